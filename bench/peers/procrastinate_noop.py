"""procrastinate's side of the peers benchmark (bench/pipeline): COUNT no-op jobs deferred, then one
worker with concurrency (its documented way to go faster) runs them until the queue is empty; prints
jobs/s."""
import asyncio
import logging
import sys
import time

import procrastinate


async def main(dsn: str, count: int, concurrency: int) -> None:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=dsn))

    @app.task(name="noop")
    async def noop() -> None:
        pass

    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        for start in range(0, count, 10_000):
            await noop.batch_defer_async(*({} for _ in range(min(10_000, count - start))))
        started = time.perf_counter()
        await app.run_worker_async(concurrency=concurrency, wait=False)
        elapsed = time.perf_counter() - started
    print(f"{count / elapsed:.0f}")


logging.disable(logging.CRITICAL)
asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
