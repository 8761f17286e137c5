package dev.dormouse.proxy;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The JVM that {@link AcceptBackoffTest} starts with a low RLIMIT_NOFILE: one TCP route to the port given,
 * and commands on stdin: {@code hoard} opens files until the process has no descriptor left, {@code free}
 * closes them again.
 */
public final class AcceptBackoffChild {
    private AcceptBackoffChild() {}

    public static void main(String[] args) throws IOException {
        StreamProxy streams = new StreamProxy(List.of(new ProxyRoute(TcpListenerTest.tcpRoute(Integer.parseInt(args[0]), "", ""), Optional.empty())));
        streams.start();
        System.out.println("listening " + streams.address("echo").orElseThrow().getPort());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        List<FileInputStream> hoard = new ArrayList<>();
        for (String line; (line = in.readLine()) != null; ) {
            switch (line) {
                case "hoard" -> {
                    try {
                        while (true) hoard.add(new FileInputStream("/dev/null"));
                    } catch (IOException e) {
                        System.out.println("hoarded " + hoard.size() + ": " + e.getMessage());
                    }
                }
                case "free" -> {
                    for (FileInputStream f : hoard) f.close();
                    hoard.clear();
                    System.out.println("freed");
                }
                default -> System.out.println("unknown " + line);
            }
        }
        streams.close();
    }
}
