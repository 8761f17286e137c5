package dev.dormouse.tls.acme;

import com.sun.net.httpserver.HttpServer;
import dev.dormouse.core.AcmeConfig;
import dev.dormouse.core.Tls;
import dev.dormouse.core.TlsCertificate;
import dev.dormouse.core.TlsConfig;
import dev.dormouse.tls.AcmeChallenges;
import dev.dormouse.tls.AcmeModules;
import dev.dormouse.tls.AcmeWorker;
import dev.dormouse.tls.CertificateStore;
import dev.dormouse.tls.ServerTlsContext;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * What the daemon does with the tls modules, run by {@link ModulePathIT} in a fresh JVM with dormouse on the
 * module path and the ACME client in a directory of its own:
 * {@code start <cert> <key> <data> <acmeDir>}: certificate store, server context and a handshake, an ACME
 * worker loaded from disk (no order); {@code issue ... <directory> <caFile> <httpPort>}: also one order
 * through HTTP-01 answered on {@code httpPort}, then a handshake with the new certificate.
 */
public final class ModulePathProbe {
    private ModulePathProbe() {}

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        ServerTlsContext.rejectClientRenegotiation();
        CertificateStore store = CertificateStore.open(List.of(new TlsCertificate(Path.of(args[1]), Path.of(args[2]))));
        AcmeChallenges challenges = new AcmeChallenges();
        SSLContext ctx = ServerTlsContext.create(store, challenges, TlsConfig.NONE);
        System.out.println("handshake " + handshake(ctx, "a.example.com"));
        boolean issue = args[0].equals("issue");
        URI directory = issue ? URI.create(args[5]) : URI.create("https://127.0.0.1:1/dir");
        AcmeConfig acme = new AcmeConfig(Optional.empty(), directory, issue ? Optional.of(Path.of(args[6])) : Optional.empty(), AcmeConfig.Challenge.HTTP_01);
        try (AcmeWorker worker = new AcmeWorker(new AcmeWorker.Deps(acme, Path.of(args[3]), store, challenges, () -> Set.of("app.test"),
                Clock.systemUTC(), dev.dormouse.core.Scheduler.system(), Duration.ofSeconds(30), AcmeWorker.Limits.DEFAULTS, AcmeModules.fromDirectory(Path.of(args[4]))))) {
            worker.load();
            System.out.println("start done in " + (System.nanoTime() - started) / 1_000_000 + " ms");
            if (!issue) return;
            HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[7])), 0);
            http.createContext("/.well-known/acme-challenge/", ex -> {
                String token = ex.getRequestURI().getPath().substring("/.well-known/acme-challenge/".length());
                byte[] body = challenges.http01(token).orElse("").getBytes();
                ex.sendResponseHeaders(body.length > 0 ? 200 : 404, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            });
            http.start();
            long t = System.nanoTime();
            worker.tick();
            System.out.println("order done in " + (System.nanoTime() - t) / 1_000_000 + " ms: " + worker.status());
            http.stop(0);
            System.out.println("handshake " + handshake(ctx, "app.test"));
        }
    }

    /** The subject the server presents for the SNI name, over a loopback socket. */
    private static String handshake(SSLContext server, String sni) throws Exception {
        try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread t = Thread.ofVirtual().start(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    s.getInputStream().read();
                } catch (Exception e) {
                    // the client closes
                }
            });
            try (SSLSocket c = (SSLSocket) Tls.client(true).getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
                SSLParameters p = c.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName(sni)));
                c.setSSLParameters(p);
                c.startHandshake();
                String subject = ((java.security.cert.X509Certificate) c.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
                c.close();
                t.join(5000);
                return subject + " " + c.getSession().getProtocol();
            }
        }
    }
}
