async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("an unsafe mapping"):
            await ftl.localhost.debug(msg="{{ whole.greeting }} {{ whole.nested[0] }} {{ whole.nested[1] + 1 }}")
        with runner.task("an unsafe sequence"):
            await ftl.localhost.debug(var="listed")
        with runner.task("quoted scalars under !unsafe"):
            await ftl.localhost.debug(msg="{{ number_text + 1 }} {{ yes_text }} {{ empty_text is none }}")
        with runner.task("binary, timestamps, python tags"):
            await ftl.localhost.debug(msg="{{ blob }} / {{ stamp }} / {{ day }} / {{ pydict.a }} / {{ pytext }}")
        with runner.task("a timestamp as a variable"):
            await ftl.localhost.debug(var="stamp")
        with runner.task("a set, stored for the first time"):
            await ftl.localhost.debug(msg="{{ chosen }}")
        with runner.task("the set again"):
            await ftl.localhost.debug(msg="{{ chosen | length }} {{ chosen | first }}")
    return 0
