package fr.relais.classlog;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The simulation's scheduler: every step of the engine runs on a thread of its own, but only one runs at a time,
 * and it hands control back at each yield point (a call to a tool, a commit, the wait before an acknowledgement).
 * Which step goes on next is chosen by a seeded random, so that a run replays exactly from its seed. A crash
 * (kill -9) kills every step of the engine's current generation at its next yield point: it unwinds without
 * committing anything more (see {@link SimDatabase}).
 */
final class SimScheduler {

    /** What a step of a dead engine meets at its next yield point: it unwinds, commits nothing more. */
    static final class Crash extends Error {
        Crash() {
            super("Relais arrêté (kill -9 simulé)", null, false, false);
        }
    }

    final class Task {
        final String name;
        final int generation;
        final Runnable body;
        final Semaphore go = new Semaphore(0);
        boolean started;
        volatile boolean done;
        volatile String at = "départ";
        volatile Throwable failure;

        Task(String name, int generation, Runnable body) {
            this.name = name;
            this.generation = generation;
            this.body = body;
        }

        @Override
        public String toString() {
            return name + " (" + at + ")";
        }
    }

    final Random random;
    private final Semaphore back = new Semaphore(0);
    private final List<Task> tasks = new ArrayList<>();
    private final ThreadLocal<Task> current = new ThreadLocal<>();
    private volatile int generation;
    /** Yield points passed, for the trace. */
    long yields;

    SimScheduler(long seed) {
        this.random = new Random(seed);
    }

    int generation() {
        return generation;
    }

    List<Task> tasks() {
        return tasks;
    }

    Task spawn(String name, Runnable body) {
        Task t = new Task(name, generation, body);
        tasks.add(t);
        return t;
    }

    boolean running(String name) {
        return tasks.stream().anyMatch(t -> t.name.equals(name));
    }

    long count(String prefix) {
        return tasks.stream().filter(t -> t.name.startsWith(prefix)).count();
    }

    /** Lets a live step, chosen at random, run up to its next yield point or its end. */
    void step() {
        resume(tasks.get(random.nextInt(tasks.size())));
    }

    private void resume(Task t) {
        if (!t.started) {
            t.started = true;
            Thread thread = new Thread(() -> {
                current.set(t);
                try {
                    t.go.acquireUninterruptibly();
                    alive(t);
                    t.body.run();
                } catch (Crash crash) {
                    // the engine died: what the step did not commit is lost, as with kill -9
                } catch (Throwable e) {
                    t.failure = e;
                } finally {
                    t.done = true;
                    back.release();
                }
            }, "sim-" + t.name);
            thread.setDaemon(true);
            thread.start();
        }
        t.go.release();
        try {
            if (!back.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("étape bloquée hors d'un point de passage : " + t);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (t.done) {
            tasks.remove(t);
            if (t.failure != null) {
                throw new AssertionError("étape " + t.name + " en échec : " + t.failure, t.failure);
            }
        }
    }

    /** On a step's thread: hands control back until the scheduler resumes this step. Elsewhere: nothing. */
    void yieldPoint(String where) {
        Task t = current.get();
        if (t == null) {
            return;
        }
        alive(t);
        yields++;
        t.at = where;
        back.release();
        t.go.acquireUninterruptibly();
        alive(t);
    }

    /** Whether the calling thread is a step of an engine that was killed. */
    boolean dead() {
        Task t = current.get();
        return t != null && t.generation != generation;
    }

    private void alive(Task t) {
        if (t.generation != generation) {
            throw new Crash();
        }
    }

    /** kill -9: every live step dies at its next yield point; each is let unwind now. */
    void crash() {
        generation++;
        while (!tasks.isEmpty()) {
            resume(tasks.get(0));
        }
    }
}
