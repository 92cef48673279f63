async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        if True:
            with runner.task("assertions that hold"):
                await ftl.localhost.assert_(that=["web_port == 80", "web_port is number"])
            with runner.task("one that holds, with a message"):
                await ftl.localhost.assert_(that="web_port > 10", success_msg="port {{ web_port }} is fine")
            with runner.task("quietly"):
                await ftl.localhost.assert_(that="web_port > 10", quiet=True)
            with runner.task("one that does not hold", ignore_errors=True):
                await ftl.localhost.assert_(that=["web_port == 80", "web_port == 443"], fail_msg="port {{ web_port }} is not 443")
            with runner.task("without a message", ignore_errors=True):
                await ftl.localhost.assert_(that="web_port == 443")
            with runner.task("fail with a message", ignore_errors=True):
                await ftl.localhost.fail(msg="stopping at port {{ web_port }}")
            with runner.task("fail without one", ignore_errors=True):
                await ftl.localhost.fail()
            with runner.task("wait a second"):
                await ftl.localhost.pause(seconds=1)
            with runner.task("a failure that ends the play"):
                await ftl.localhost.fail(msg="the end")
            with runner.task("never reached"):
                await ftl.localhost.debug(msg="not here")
    return 0
