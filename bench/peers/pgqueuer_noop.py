"""PgQueuer's side of the peers benchmark (bench/pipeline): COUNT no-op jobs enqueued, then one
QueueManager in its documented high-throughput set-up (a large batch) drains them; prints jobs/s."""
import asyncio
import sys
import time

import asyncpg
from pgqueuer.db import AsyncpgDriver
from pgqueuer.qm import QueueManager
from pgqueuer.queries import Queries
from pgqueuer.types import QueueExecutionMode


async def main(dsn: str, count: int, batch_size: int) -> None:
    connection = await asyncpg.connect(dsn)
    queries = Queries(AsyncpgDriver(connection))
    await queries.install()
    for start in range(0, count, 10_000):
        n = min(10_000, count - start)
        await queries.enqueue(["noop"] * n, [None] * n, [0] * n)
    await connection.close()

    connection = await asyncpg.connect(dsn)
    manager = QueueManager(Queries(AsyncpgDriver(connection)))

    @manager.entrypoint("noop")
    async def noop(job) -> None:
        pass

    started = time.perf_counter()
    await manager.run(batch_size=batch_size, mode=QueueExecutionMode.drain)
    elapsed = time.perf_counter() - started
    await connection.close()
    print(f"{count / elapsed:.0f}")


asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
