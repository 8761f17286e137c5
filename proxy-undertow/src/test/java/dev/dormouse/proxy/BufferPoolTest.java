package dev.dormouse.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.undertow.connector.ByteBufferPool;
import io.undertow.connector.PooledByteBuffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.xnio.XnioWorker;

class BufferPoolTest {
    @Test
    void freedBuffersAreReusedAndTheSharedQueueStaysBounded() {
        BufferPool pool = new BufferPool(true, 1024);
        List<PooledByteBuffer> held = new ArrayList<>();
        for (int i = 0; i < BufferPool.SHARED * 3; i++) held.add(pool.allocate());
        held.forEach(PooledByteBuffer::close);
        assertEquals(BufferPool.SHARED, pool.sharedSize(), "buffers past the bound are dropped, not kept");
        assertEquals(0, pool.cachedHere(), "a thread that is not an I/O thread keeps no cache");
        PooledByteBuffer again = pool.allocate();
        assertEquals(BufferPool.SHARED - 1, pool.sharedSize());
        ByteBuffer b = again.getBuffer();
        assertTrue(b.isDirect());
        assertEquals(0, b.position());
        assertEquals(1024, b.limit());
    }

    @Test
    void aBufferClosedTwiceIsReturnedOnce() {
        BufferPool pool = new BufferPool(false, 64);
        PooledByteBuffer p = pool.allocate();
        ByteBuffer b = p.getBuffer();
        b.put((byte) 1);
        p.close();
        p.close();
        assertFalse(p.isOpen());
        assertThrows(IllegalStateException.class, p::getBuffer);
        assertEquals(1, pool.sharedSize());
        PooledByteBuffer first = pool.allocate();
        PooledByteBuffer second = pool.allocate();
        assertSame(b, first.getBuffer(), "the freed buffer is handed out again");
        assertEquals(0, first.getBuffer().position(), "cleared when freed");
        assertNotSame(b, second.getBuffer(), "and only once");
    }

    @Test
    void ioThreadsKeepABoundedCacheOfTheirOwn() throws Exception {
        XnioWorker worker = HttpListener.worker(1, "test");
        try {
            BufferPool pool = new BufferPool(true, 512);
            CompletableFuture<int[]> seen = new CompletableFuture<>();
            worker.getIoThread().execute(() -> {
                List<PooledByteBuffer> held = new ArrayList<>();
                for (int i = 0; i < BufferPool.PER_THREAD + BufferPool.SHARED + 10; i++) held.add(pool.allocate());
                ByteBuffer lastCached = held.get(BufferPool.PER_THREAD - 1).getBuffer();
                held.forEach(PooledByteBuffer::close);
                int cached = pool.cachedHere();
                int shared = pool.sharedSize();
                boolean reused = pool.allocate().getBuffer() == lastCached;
                seen.complete(new int[] {cached, shared, reused ? 1 : 0});
            });
            int[] s = seen.get(10, TimeUnit.SECONDS);
            assertEquals(BufferPool.PER_THREAD, s[0], "the I/O thread's cache is full, and no larger");
            assertEquals(BufferPool.SHARED, s[1], "the rest went to the bounded shared queue");
            assertEquals(1, s[2], "the last buffer cached is the next one handed out");
        } finally {
            HttpListener.stop(worker);
        }
    }

    @Test
    void theArrayBackedPoolHasHeapBuffersOfTheSameSize() {
        BufferPool pool = new BufferPool(true, 256);
        ByteBufferPool heap = pool.getArrayBackedPool();
        assertSame(heap, pool.getArrayBackedPool());
        assertSame(heap, heap.getArrayBackedPool());
        assertFalse(heap.isDirect());
        assertEquals(256, heap.getBufferSize());
        assertTrue(heap.allocate().getBuffer().hasArray());
    }
}
