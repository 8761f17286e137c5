package dev.dormouse.rtmanager;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Delivers committed rows to in-process subscribers. Each subscriber has its own bounded queue and
 * virtual thread, so a slow or failing subscriber never delays an action or another subscriber; when its
 * queue is full, events are dropped for that subscriber (logged), never waited for.
 */
final class RuntimeEvents implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.dormouse.rtmanager.events");
    static final int QUEUE = 4096;

    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private final AtomicInteger counter = new AtomicInteger();

    AutoCloseable subscribe(Consumer<? super RuntimeEvent> listener) {
        Subscription s = new Subscription(Objects.requireNonNull(listener, "listener"), counter.incrementAndGet());
        subscriptions.add(s);
        s.thread = Thread.ofVirtual().name("rtmanager-subscriber-" + s.number).start(s::loop);
        return s;
    }

    void publish(RuntimeEvent e) {
        for (Subscription s : subscriptions) {
            if (!s.queue.offer(e)) {
                LOG.log(Level.WARNING, "runtime {0}: subscriber {1} is {2} events behind; dropped {3} #{4}", e.runtimeId(), s.number, QUEUE,
                        e instanceof Operation ? "operation" : "health event", e.id());
            }
        }
    }

    @Override
    public void close() {
        for (Subscription s : subscriptions) s.close();
    }

    private final class Subscription implements AutoCloseable {
        final Consumer<? super RuntimeEvent> listener;
        final int number;
        final BlockingQueue<RuntimeEvent> queue = new ArrayBlockingQueue<>(QUEUE);
        volatile Thread thread;
        volatile boolean closed;

        Subscription(Consumer<? super RuntimeEvent> listener, int number) {
            this.listener = listener;
            this.number = number;
        }

        void loop() {
            while (!closed) {
                RuntimeEvent e;
                try {
                    e = queue.take();
                } catch (InterruptedException ie) {
                    return;
                }
                try {
                    listener.accept(e);
                } catch (RuntimeException ex) {
                    LOG.log(Level.WARNING, "runtime " + e.runtimeId() + ": subscriber " + number + " failed on " + e, ex);
                }
            }
        }

        @Override
        public void close() {
            closed = true;
            subscriptions.remove(this);
            Thread t = thread;
            if (t != null) t.interrupt();
        }
    }
}
