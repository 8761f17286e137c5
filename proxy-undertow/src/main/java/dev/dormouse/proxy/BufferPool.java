package dev.dormouse.proxy;

import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.ArrayBlockingQueue;
import org.xnio.XnioIoThread;

/**
 * The buffers of one listener's connections and of the upstream connections they open: one size, kept in a
 * bounded cache per I/O thread (no lock, no shared map on the request path) and a bounded shared queue for
 * buffers freed on other threads. A buffer freed past both bounds is left to the collector.
 *
 * <p>Undertow's own pool finds its per-thread cache through a synchronized weak map on every allocation and
 * free, which both I/O threads contend for; this one reads a {@link ThreadLocal}.
 */
final class BufferPool implements ByteBufferPool {
    /** Buffers cached by each I/O thread. */
    static final int PER_THREAD = 16;
    /** Buffers kept for every other thread, and for I/O threads whose cache is full or empty. */
    static final int SHARED = 64;

    private static final VarHandle BUFFER;

    static {
        try {
            BUFFER = MethodHandles.lookup().findVarHandle(Pooled.class, "buffer", ByteBuffer.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final boolean direct;
    private final int size;
    private final ArrayBlockingQueue<ByteBuffer> shared = new ArrayBlockingQueue<>(SHARED);
    private final ThreadLocal<ArrayDeque<ByteBuffer>> local = ThreadLocal.withInitial(() -> new ArrayDeque<>(PER_THREAD));
    private volatile BufferPool heap;
    private volatile boolean closed;

    BufferPool(boolean direct, int size) {
        if (size <= 0) throw new IllegalArgumentException("buffer size must be > 0, got " + size);
        this.direct = direct;
        this.size = size;
    }

    @Override
    public PooledByteBuffer allocate() {
        ByteBuffer b = null;
        ArrayDeque<ByteBuffer> cache = cache();
        if (cache != null) b = cache.pollFirst();
        if (b == null) b = shared.poll();
        if (b == null) b = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        return new Pooled(b);
    }

    private void free(ByteBuffer b) {
        if (closed) return;
        b.clear();
        ArrayDeque<ByteBuffer> cache = cache();
        if (cache != null && cache.size() < PER_THREAD) {
            cache.addFirst(b);
            return;
        }
        shared.offer(b);
    }

    /** The calling thread's cache: I/O threads only, so that short-lived threads leave nothing behind. */
    private ArrayDeque<ByteBuffer> cache() {
        return Thread.currentThread() instanceof XnioIoThread ? local.get() : null;
    }

    /** Buffers in the shared queue (for tests). */
    int sharedSize() {
        return shared.size();
    }

    /** Buffers in the calling thread's cache (for tests; 0 on a thread that is not an I/O thread). */
    int cachedHere() {
        ArrayDeque<ByteBuffer> cache = cache();
        return cache == null ? 0 : cache.size();
    }

    @Override
    public ByteBufferPool getArrayBackedPool() {
        if (!direct) return this;
        BufferPool h = heap;
        if (h == null) {
            synchronized (this) {
                h = heap;
                if (h == null) heap = h = new BufferPool(false, size);
            }
        }
        return h;
    }

    @Override
    public void close() {
        closed = true;
        shared.clear();
        BufferPool h = heap;
        if (h != null) h.close();
    }

    @Override
    public int getBufferSize() {
        return size;
    }

    @Override
    public boolean isDirect() {
        return direct;
    }

    /** One allocation: closing it twice, or from another thread, returns the buffer once. */
    private final class Pooled implements PooledByteBuffer {
        @SuppressWarnings("unused") // through BUFFER
        private volatile ByteBuffer buffer;

        Pooled(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public ByteBuffer getBuffer() {
            ByteBuffer b = buffer;
            if (b == null) throw new IllegalStateException("pooled buffer: already closed");
            return b;
        }

        @Override
        public void close() {
            ByteBuffer b = (ByteBuffer) BUFFER.getAndSet(this, (ByteBuffer) null);
            if (b != null) free(b);
        }

        @Override
        public boolean isOpen() {
            return buffer != null;
        }

        @Override
        public String toString() {
            return "PooledBuffer(" + buffer + ")";
        }
    }
}
