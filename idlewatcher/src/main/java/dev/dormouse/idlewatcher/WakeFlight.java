package dev.dormouse.idlewatcher;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One wake attempt of a route at a time (singleflight): callers that come while one is under way share it,
 * each with a copy, so one that gives up cancels nothing. An attempt is settled exactly once, by its own
 * work or by its deadline, whichever comes first: {@link #settle} runs the outcome under this object's lock
 * for the first of them only, so the route's state changes once per attempt.
 */
final class WakeFlight {
    private final AtomicReference<CompletableFuture<Void>> current = new AtomicReference<>();
    /** The attempt whose outcome was decided; guarded by this object's lock. */
    private CompletableFuture<Void> settled;

    /** Whether an attempt is under way. */
    boolean underWay() {
        CompletableFuture<Void> f = current.get();
        return f != null && !f.isDone();
    }

    /**
     * Joins the attempt under way; when there is none, a new one begins with {@code begin} unless
     * {@code refusal} says why not, in which case the returned future has failed with that already.
     */
    CompletableFuture<Void> join(Supplier<Optional<WakeFailedException>> refusal, Consumer<CompletableFuture<Void>> begin) {
        while (true) {
            CompletableFuture<Void> f = current.get();
            if (f != null && !f.isDone()) return f.copy();
            Optional<WakeFailedException> refused = refusal.get();
            if (refused.isPresent()) return CompletableFuture.failedFuture(refused.get());
            CompletableFuture<Void> next = new CompletableFuture<>();
            if (current.compareAndSet(f, next)) {
                begin.accept(next);
                return next.copy();
            }
        }
    }

    /** Begins an attempt nobody waits for (an adoption) unless one is under way. */
    void beginUnlessUnderWay(Consumer<CompletableFuture<Void>> begin) {
        while (true) {
            CompletableFuture<Void> f = current.get();
            if (f != null && !f.isDone()) return;
            CompletableFuture<Void> next = new CompletableFuture<>();
            if (current.compareAndSet(f, next)) {
                begin.accept(next);
                return;
            }
        }
    }

    /**
     * Settles {@code f}: runs {@code outcome} under this object's lock, unless {@code f} is done or was
     * settled already. The caller completes {@code f} afterwards, outside the lock.
     *
     * @return whether this call settled it
     */
    synchronized boolean settle(CompletableFuture<Void> f, Runnable outcome) {
        if (f.isDone() || settled == f) return false;
        settled = f;
        outcome.run();
        return true;
    }
}
