package dev.dormouse.proxy;

import static dev.dormouse.proxy.TcpListenerTest.await;
import static dev.dormouse.proxy.TcpListenerTest.roundTrip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An accept that fails for want of file descriptors, for real: a child JVM whose RLIMIT_NOFILE is low
 * uses up its descriptors while connections wait in its listener's backlog.
 */
class AcceptBackoffTest {
    @TempDir
    Path dir;
    private Process child;
    private TcpListenerTest.Upstream upstream;
    private final List<Socket> clients = new ArrayList<>();

    @AfterEach
    void tearDown() throws IOException {
        for (Socket s : clients) s.close();
        if (child != null) child.destroyForcibly();
        if (upstream != null) upstream.close();
    }

    @Test
    void anAcceptOutOfFileDescriptorsBacksOffLogsOnceAndRecovers() throws Exception {
        upstream = new TcpListenerTest.Upstream();
        Path log = dir.resolve("child.log");
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        child = new ProcessBuilder("/bin/sh", "-c", "ulimit -n 256 && exec \"$@\"", "sh",
                javaBin, "-cp", System.getProperty("java.class.path"), AcceptBackoffChild.class.getName(), Integer.toString(upstream.port()))
                .redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII));
        PrintStream in = new PrintStream(child.getOutputStream(), true, StandardCharsets.US_ASCII);
        String first = out.readLine();
        assertTrue(first != null && first.startsWith("listening "), "child said " + first + "; log: " + Files.readString(log));
        int port = Integer.parseInt(first.substring("listening ".length()));

        // Every class of the relay is loaded before the descriptors run out.
        try (Socket warm = new Socket(InetAddress.getLoopbackAddress(), port)) {
            warm.setSoTimeout(5000);
            assertEquals("warm", roundTrip(warm, "warm"));
        }
        in.println("hoard");
        String hoarded = out.readLine();
        assertTrue(hoarded.startsWith("hoarded ") && hoarded.contains("Too many open files"), hoarded);

        // The kernel completes these handshakes; they wait in the backlog, and accept fails with EMFILE.
        for (int i = 0; i < 20; i++) {
            Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("c" + (char) ('a' + i)).getBytes(StandardCharsets.US_ASCII));
            clients.add(s);
        }
        await("the accept failure in the log", () -> read(log).contains("accept failing"));

        Duration cpu0 = child.info().totalCpuDuration().orElseThrow();
        long t0 = System.nanoTime();
        Thread.sleep(3000); // the interval measured, not a wait for a condition
        Duration cpu = child.info().totalCpuDuration().orElseThrow().minus(cpu0);
        long wall = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(cpu.toMillis() < 300, "the child used " + cpu.toMillis() + " ms of CPU in " + wall + " ms while accept failed");

        in.println("free");
        assertEquals("freed", out.readLine());
        for (int i = 0; i < clients.size(); i++) {
            String expect = "c" + (char) ('a' + i);
            assertEquals(expect, new String(clients.get(i).getInputStream().readNBytes(2), StandardCharsets.US_ASCII), "connection " + i + " relayed once descriptors are free");
        }
        try (Socket again = new Socket(InetAddress.getLoopbackAddress(), port)) {
            again.setSoTimeout(5000);
            assertEquals("again", roundTrip(again, "again"));
        }
        await("the end of the burst in the log", () -> read(log).contains("accept failing, retrying with a backoff up to 1000 ms: over after"));
        String text = read(log);
        assertEquals(1, count(text, "accept failing, retrying with a backoff up to 1000 ms: Too many open files"), text);
        assertEquals(1, count(text, "over after"), text);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }
}
