import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The benchmark's measuring side, run by bench/run.sh in source-file mode ({@code java bench/Probe.java CMD ...}).
 * Every time is wall-clock from the moment the probe acts; requests are raw HTTP/1.1 over sockets, so the
 * client adds microseconds, not the milliseconds of a process per try.
 *
 * <pre>
 * startup HOST:PORT VHOST TIMEOUT_MS -- CMD...   exec CMD, poll GET / every 1 ms, print ms to the first 2xx, then stop CMD
 * floor SOCKET CONTAINER start|unpause HOST:PORT  the engine's API call, then GET / every 1 ms until 2xx; print ms
 * get HOST:PORT VHOST                              one GET (held through a wake); print "ms status"
 * burst N HOST:PORT VHOST                          N concurrent GETs; print "ok ms_last p50 p99"
 * docker SOCKET METHOD PATH                        one engine API call; print the status line
 * rss PID...                                       sum of VmRSS in MB
 * cpu PID SECONDS                                  CPU used by PID over SECONDS, in % of one core
 * </pre>
 */
public class Probe {
    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "startup" -> startup(a);
            case "floor" -> floor(a[1], a[2], a[3], addr(a[4]));
            case "get" -> {
                long t0 = System.nanoTime();
                int status = get(addr(a[1]), a[2], 120_000);
                System.out.printf("%.1f %d%n", ms(t0), status);
            }
            case "burst" -> burst(Integer.parseInt(a[1]), addr(a[2]), a[3]);
            case "docker" -> System.out.println(docker(a[1], a[2], a[3]));
            case "rss" -> {
                long kb = 0;
                for (int i = 1; i < a.length; i++) kb += rssKb(a[i]);
                System.out.printf("%.1f%n", kb / 1024.0);
            }
            case "cpu" -> cpu(a[1], Integer.parseInt(a[2]));
            default -> throw new IllegalArgumentException("unknown command " + a[0]);
        }
    }

    static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    static InetSocketAddress addr(String hp) {
        int c = hp.lastIndexOf(':');
        return new InetSocketAddress(hp.substring(0, c), Integer.parseInt(hp.substring(c + 1)));
    }

    /** One GET / with Connection: close; the status code, or -1 when nothing answers. */
    static int get(InetSocketAddress at, String vhost, int readTimeoutMs) {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(at, 1000);
            s.setSoTimeout(readTimeoutMs);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + vhost + "\r\nAccept: */*\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] line = new byte[12];
            int n = 0;
            while (n < 12) {
                int r = in.read(line, n, 12 - n);
                if (r < 0) return -1;
                n += r;
            }
            int status = Integer.parseInt(new String(line, 9, 3, StandardCharsets.US_ASCII));
            in.transferTo(OutputStream.nullOutputStream());
            return status;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** Polls until a 2xx, every millisecond; returns the milliseconds since t0, or -1 at the deadline. */
    static double pollUntilOk(InetSocketAddress at, String vhost, long t0, long timeoutMs, Process watched) {
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            int s = get(at, vhost, 5000);
            if (s >= 200 && s < 300) return ms(t0);
            if (watched != null && !watched.isAlive()) return -1;
            LockSupport.parkNanos(1_000_000);
        }
        return -1;
    }

    static void startup(String[] a) throws Exception {
        InetSocketAddress at = addr(a[1]);
        String vhost = a[2];
        long timeout = Long.parseLong(a[3]);
        List<String> cmd = Arrays.asList(a).subList(5, a.length);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        double took = pollUntilOk(at, vhost, t0, timeout, p);
        p.destroy();
        if (!p.waitFor(15, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
        if (took < 0) System.err.println("probe: no answer from " + at + " within " + timeout + " ms");
        else System.out.printf("%.1f%n", took);
    }

    static void floor(String socket, String container, String action, InetSocketAddress app) throws Exception {
        long t0 = System.nanoTime();
        String status = docker(socket, "POST", "/containers/" + container + "/" + action);
        if (!status.contains(" 204") && !status.contains(" 304")) throw new IllegalStateException(action + ": " + status);
        System.out.printf("%.1f%n", pollUntilOk(app, "floor", t0, 60_000, null));
    }

    /** One request to the engine's API on its unix socket; the response's status line. */
    static String docker(String socket, String method, String path) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(Path.of(socket)));
            ch.write(ByteBuffer.wrap((method + " " + path + " HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(8192);
            StringBuilder sb = new StringBuilder();
            while (ch.read(buf) > 0 || buf.position() > 0) {
                buf.flip();
                sb.append(StandardCharsets.US_ASCII.decode(buf));
                buf.clear();
                int eol = sb.indexOf("\r\n");
                if (eol >= 0) return sb.substring(0, eol);
            }
            return sb.toString();
        }
    }

    static void burst(int n, InetSocketAddress at, String vhost) throws Exception {
        AtomicInteger ok = new AtomicInteger();
        AtomicLongArray done = new AtomicLongArray(n);
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(n);
        long[] t0 = new long[1];
        for (int i = 0; i < n; i++) {
            int k = i;
            Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                    int s = get(at, vhost, 120_000);
                    done.set(k, System.nanoTime());
                    if (s >= 200 && s < 300) ok.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    finished.countDown();
                }
            });
        }
        t0[0] = System.nanoTime();
        start.countDown();
        finished.await(180, TimeUnit.SECONDS);
        long[] ts = new long[n];
        for (int i = 0; i < n; i++) ts[i] = done.get(i) == 0 ? Long.MAX_VALUE : done.get(i) - t0[0];
        Arrays.sort(ts);
        System.out.printf("%d %.1f %.1f %.1f%n", ok.get(), ts[n - 1] / 1e6, ts[n / 2] / 1e6, ts[(int) (n * 0.99)] / 1e6);
    }

    static long rssKb(String pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", pid, "status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        return 0;
    }

    /** utime + stime of a process, in clock ticks (100 per second on Linux). */
    static long ticks(String pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", pid, "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static void cpu(String pid, int seconds) throws Exception {
        long before = ticks(pid);
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long used = ticks(pid) - before;
        double wall = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%.2f%n", used / 100.0 / wall * 100);
    }
}
