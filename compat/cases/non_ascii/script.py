async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play("Café ☕ play", hosts="localhost") as play:
            with runner.task("Grüße aus 東京"):
                await play.command(cmd='echo "naïve – 日本語 ✓"')
    return 0
