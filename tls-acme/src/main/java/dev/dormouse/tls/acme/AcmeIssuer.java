package dev.dormouse.tls.acme;

import dev.dormouse.core.AcmeConfig;
import dev.dormouse.tls.AcmeChallenges;
import dev.dormouse.tls.AcmeWorker;
import dev.dormouse.tls.TlsException;
import dev.dormouse.tls.spi.CertificateIssuer;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.PollableResource;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * One RFC 8555 order per call through acme4j: account (created or found by its key; the operator who
 * configured {@code tls.acme} agrees to the CA's terms), order, the configured challenge answered through
 * {@link AcmeChallenges}, finalize with the host's key, download. Polls on its own schedule (Retry-After
 * when the CA sends one) instead of acme4j's fixed 3 s.
 *
 * <p>acme4j needs Bouncy Castle for CSRs and certificate parsing only; no JCA provider is registered, keys
 * are the JDK's. The TLS-ALPN-01 certificate is signed by acme4j with SHA256withRSA, hence its RSA key.
 */
final class AcmeIssuer implements CertificateIssuer {
    private static final Duration MAX_POLL = Duration.ofSeconds(5);

    private final AcmeConfig config;
    private final KeyPair accountKey;
    private final AcmeChallenges challenges;
    private final AcmeWorker.Limits limits;
    private final Provider provider;
    private KeyPair alpnKey;

    AcmeIssuer(AcmeConfig config, KeyPair accountKey, AcmeChallenges challenges, AcmeWorker.Limits limits) {
        this.config = config;
        this.accountKey = accountKey;
        this.challenges = challenges;
        this.limits = limits;
        this.provider = new Provider(AcmeTrust.context(config.caFile()), limits.orderTimeout());
    }

    /** Generic http(s) directories, with dormouse's trust and one HTTP client for all sessions. */
    private static final class Provider extends GenericAcmeProvider {
        private final HttpClient client;

        Provider(SSLContext ssl, Duration timeout) {
            this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(timeout.compareTo(Duration.ofSeconds(15)) < 0 ? timeout : Duration.ofSeconds(15))
                    .proxy(HttpClient.Builder.NO_PROXY).sslContext(ssl).build();
        }

        @Override
        public HttpClient createHttpClient(NetworkSettings settings) {
            return client;
        }
    }

    @Override
    public List<X509Certificate> issue(String host, KeyPair domainKey) throws InterruptedException {
        Instant deadline = Instant.now().plus(limits.orderTimeout());
        try {
            // A new session per order: a CA that restarted (or rotated its directory) is read afresh.
            Session session = new Session(config.directory(), provider);
            session.networkSettings().setTimeout(Duration.ofSeconds(15));
            AccountBuilder ab = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey);
            config.email().ifPresent(ab::addEmail);
            Account account = ab.create(session);
            Order order = account.newOrder().domain(host).create();
            for (Authorization auth : order.getAuthorizations()) authorize(host, auth, deadline);
            if (poll(order, Set.of(Status.READY, Status.VALID, Status.INVALID), deadline) == Status.INVALID) {
                throw new TlsException(failure(host, "order is invalid" + problem(order.getError())));
            }
            if (order.getStatus() == Status.READY) order.execute(domainKey);
            if (poll(order, Set.of(Status.VALID, Status.INVALID), deadline) != Status.VALID) {
                throw new TlsException(failure(host, "finalizing the order failed" + problem(order.getError())));
            }
            return List.copyOf(order.getCertificate().getCertificateChain());
        } catch (AcmeException e) {
            throw new TlsException(failure(host, describe(e)), e);
        } catch (RuntimeException e) {
            if (e instanceof TlsException && e.getMessage().startsWith("tls ")) throw e;
            throw new TlsException(failure(host, describe(e)), e);
        }
    }

    private void authorize(String host, Authorization auth, Instant deadline) throws AcmeException, InterruptedException {
        if (auth.getStatus() == Status.VALID) return;
        Challenge challenge;
        Runnable cleanup;
        if (config.challenge() == AcmeConfig.Challenge.TLS_ALPN_01) {
            TlsAlpn01Challenge c = auth.findChallenge(TlsAlpn01Challenge.class)
                    .orElseThrow(() -> new TlsException(failure(host, "the CA offers no tls-alpn-01 challenge")));
            KeyPair k = alpnKey();
            challenges.putTlsAlpn(host, c.createCertificate(k, auth.getIdentifier()), k.getPrivate());
            cleanup = () -> challenges.removeTlsAlpn(host);
            challenge = c;
        } else {
            Http01Challenge c = auth.findChallenge(Http01Challenge.class)
                    .orElseThrow(() -> new TlsException(failure(host, "the CA offers no http-01 challenge")));
            challenges.putHttp01(c.getToken(), c.getAuthorization());
            cleanup = () -> challenges.removeHttp01(c.getToken());
            challenge = c;
        }
        try {
            challenge.trigger();
            Status s = poll(auth, Set.of(Status.VALID, Status.INVALID, Status.DEACTIVATED, Status.EXPIRED, Status.REVOKED), deadline);
            if (s != Status.VALID) {
                challenge.fetch();
                throw new TlsException(failure(host, config.challenge().label() + " challenge failed" + problem(challenge.getError())));
            }
        } finally {
            cleanup.run();
        }
    }

    /** Fetches until the status is one of {@code done}, honouring Retry-After, doubling the pause up to 5 s otherwise. */
    private Status poll(PollableResource r, Set<Status> done, Instant deadline) throws AcmeException, InterruptedException {
        Duration pause = limits.pollInterval();
        while (!done.contains(r.getStatus())) {
            Instant now = Instant.now();
            if (now.isAfter(deadline)) throw new TlsException("timed out after " + limits.orderTimeout() + " waiting for status " + done + ", got " + r.getStatus());
            Optional<Instant> retryAfter = r.fetch();
            if (done.contains(r.getStatus())) break;
            Duration wait = retryAfter.map(t -> Duration.between(now, t)).filter(d -> d.isPositive() && d.compareTo(MAX_POLL) < 0).orElse(pause);
            Thread.sleep(wait);
            pause = pause.multipliedBy(2).compareTo(MAX_POLL) > 0 ? MAX_POLL : pause.multipliedBy(2);
        }
        return r.getStatus();
    }

    /** The TLS-ALPN-01 certificate's key: RSA, because acme4j signs that certificate with SHA256withRSA. */
    private KeyPair alpnKey() {
        if (alpnKey == null) {
            try {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                alpnKey = g.generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new TlsException("tls acme: make the tls-alpn-01 key: " + e.getMessage(), e);
            }
        }
        return alpnKey;
    }

    private String failure(String host, String detail) {
        return "tls acme: obtain certificate for '" + host + "': " + detail + " (" + config.directory() + ")";
    }

    private static String problem(Optional<Problem> p) {
        return p.map(pr -> ": " + pr.getDetail().orElse(pr.getType().toString())).orElse("");
    }

    /** The messages of an exception and its causes, each once. */
    static String describe(Throwable e) {
        if (e instanceof AcmeServerException se) {
            Problem p = se.getProblem();
            return p.getDetail().orElse(se.getMessage()) + " (" + p.getType() + ")";
        }
        Set<String> parts = new LinkedHashSet<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause()) {
            parts.add(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
        }
        return String.join(": ", parts);
    }

    @Override
    public void close() {
        provider.client.close();
    }
}
