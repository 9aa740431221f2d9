"""A small swarm for attest's tests: W tasks of fixed work, run as MODE.
usage: work.py MODE WORKERS ITERATIONS
  seq      every task one after another in this process (the baseline)
  procs    one process per task (multiprocessing)
  threads  one thread per task (CPython: serialised by the GIL)
  sleep    each task sleeps instead of computing (threads; sleepseq: one after another)
  timed    each task loops until a clock says stop (threads; timedseq: one after another)
Prints one digest of every task's result."""
import hashlib, sys, threading, time, multiprocessing

def task(index, iterations):
    x = index + 1
    for _ in range(iterations):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
    return x

def timed(index, seconds):
    count, start = 0, time.time()
    while time.time() - start < seconds:
        count += 1
    return count

def main():
    mode, workers, iterations = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if mode == "seq":
        results = [task(i, iterations) for i in range(workers)]
    elif mode == "procs":
        # One forked process per task, results back through a queue. No Pool: its helper threads
        # and terminate() can deadlock a forked worker.
        context = multiprocessing.get_context("fork")
        queue = context.SimpleQueue()
        processes = [context.Process(target=lambda i=i: queue.put((i, task(i, iterations)))) for i in range(workers)]
        for p in processes: p.start()
        found = dict(queue.get() for _ in range(workers))
        for p in processes: p.join()
        results = [found[i] for i in range(workers)]
    elif mode == "threads":
        results = [0] * workers
        def run(i): results[i] = task(i, iterations)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
        for t in threads: t.start()
        for t in threads: t.join()
    elif mode == "sleep":
        seconds = iterations / 4_000_000
        threads = [threading.Thread(target=time.sleep, args=(seconds,)) for _ in range(workers)]
        for t in threads: t.start()
        for t in threads: t.join()
        results = [task(i, 1) for i in range(workers)]
    elif mode == "sleepseq":
        for _ in range(workers): time.sleep(iterations / 4_000_000)
        results = [task(i, 1) for i in range(workers)]
    elif mode == "timedseq":
        results = [timed(i, iterations / 4_000_000) for i in range(workers)]
    elif mode == "timed":
        results = [0] * workers
        def run(i): results[i] = timed(i, iterations / 4_000_000)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
        for t in threads: t.start()
        for t in threads: t.join()
    else:
        sys.exit(f"unknown mode {mode}")
    print(hashlib.sha256(repr(results).encode()).hexdigest())

if __name__ == "__main__":
    main()
