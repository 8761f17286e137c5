package dev.dormouse.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An {@code SSLContext} whose defaults are the hardened parameters: every engine it creates (Undertow calls
 * {@code createSSLEngine(host, port)} and applies nothing else unless told to) and every server socket
 * starts with them, and engines get the {@link AlpnSelector} (and, as {@link ChallengeHidingEngine}, keep
 * {@code acme-tls/1} from Undertow). Everything else is the JDK's context.
 */
final class HardenedContextSpi extends SSLContextSpi {
    private final SSLContext delegate;
    private final SSLParameters parameters;
    private final AlpnSelector alpn;

    HardenedContextSpi(SSLContext delegate, SSLParameters parameters, AlpnSelector alpn) {
        this.delegate = delegate;
        this.parameters = parameters;
        this.alpn = alpn;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
        throw new KeyManagementException("tls: the server context is initialised by ServerTlsContext.create");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
        return delegate.getSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
        return new ServerSockets(delegate.getServerSocketFactory());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
        return configure(delegate.createSSLEngine());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
        return configure(delegate.createSSLEngine(host, port));
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
        return delegate.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
        return delegate.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
        return ServerTlsContext.copy(parameters);
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
        return delegate.getSupportedSSLParameters();
    }

    private SSLEngine configure(SSLEngine e) {
        e.setUseClientMode(false);
        e.setSSLParameters(parameters);
        e.setHandshakeApplicationProtocolSelector(alpn);
        return new ChallengeHidingEngine(e);
    }

    /** Server sockets with the hardened parameters (no TLS-ALPN-01 challenges: sockets have no per-connection selector before accept). */
    private final class ServerSockets extends SSLServerSocketFactory {
        private final SSLServerSocketFactory f;

        ServerSockets(SSLServerSocketFactory f) {
            this.f = f;
        }

        private ServerSocket configure(ServerSocket s) {
            ((SSLServerSocket) s).setSSLParameters(parameters);
            return s;
        }

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return configure(f.createServerSocket());
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return configure(f.createServerSocket(port));
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return configure(f.createServerSocket(port, backlog));
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            return configure(f.createServerSocket(port, backlog, address));
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return parameters.getCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return f.getSupportedCipherSuites();
        }
    }
}
