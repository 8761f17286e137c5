package dev.dormouse.tls;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * The JDK's engine, except that a handshake that negotiated {@code acme-tls/1} reports no application
 * protocol. Undertow's ALPN listener looks the negotiated protocol up among its own (h2, http/1.1) and
 * fails on any other (a NullPointerException that closes the connection before the server's first flight
 * is sent); with no protocol it hands the connection to HTTP/1.1, and the ACME validator, which has the
 * certificate by then, closes it. Everything else is delegated, the single-buffer wrap and unwrap too
 * (the defaults would allocate an array per call).
 */
final class ChallengeHidingEngine extends SSLEngine {
    private final SSLEngine e;

    ChallengeHidingEngine(SSLEngine e) {
        super(e.getPeerHost(), e.getPeerPort());
        this.e = e;
    }

    private static String hide(String protocol) {
        return AcmeChallenges.ACME_TLS_1.equals(protocol) ? "" : protocol;
    }

    @Override
    public String getApplicationProtocol() {
        return hide(e.getApplicationProtocol());
    }

    @Override
    public String getHandshakeApplicationProtocol() {
        return hide(e.getHandshakeApplicationProtocol());
    }

    @Override
    public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
        e.setHandshakeApplicationProtocolSelector(selector);
    }

    @Override
    public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
        return e.getHandshakeApplicationProtocolSelector();
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
        return e.wrap(src, dst);
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, ByteBuffer dst) throws SSLException {
        return e.wrap(srcs, dst);
    }

    @Override
    public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
        return e.wrap(srcs, offset, length, dst);
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
        return e.unwrap(src, dst);
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts) throws SSLException {
        return e.unwrap(src, dsts);
    }

    @Override
    public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
        return e.unwrap(src, dsts, offset, length);
    }

    @Override
    public Runnable getDelegatedTask() {
        return e.getDelegatedTask();
    }

    @Override
    public void closeInbound() throws SSLException {
        e.closeInbound();
    }

    @Override
    public boolean isInboundDone() {
        return e.isInboundDone();
    }

    @Override
    public void closeOutbound() {
        e.closeOutbound();
    }

    @Override
    public boolean isOutboundDone() {
        return e.isOutboundDone();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return e.getSupportedCipherSuites();
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return e.getEnabledCipherSuites();
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        e.setEnabledCipherSuites(suites);
    }

    @Override
    public String[] getSupportedProtocols() {
        return e.getSupportedProtocols();
    }

    @Override
    public String[] getEnabledProtocols() {
        return e.getEnabledProtocols();
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        e.setEnabledProtocols(protocols);
    }

    @Override
    public SSLSession getSession() {
        return e.getSession();
    }

    @Override
    public SSLSession getHandshakeSession() {
        return e.getHandshakeSession();
    }

    @Override
    public void beginHandshake() throws SSLException {
        e.beginHandshake();
    }

    @Override
    public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
        return e.getHandshakeStatus();
    }

    @Override
    public void setUseClientMode(boolean mode) {
        e.setUseClientMode(mode);
    }

    @Override
    public boolean getUseClientMode() {
        return e.getUseClientMode();
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        e.setNeedClientAuth(need);
    }

    @Override
    public boolean getNeedClientAuth() {
        return e.getNeedClientAuth();
    }

    @Override
    public void setWantClientAuth(boolean want) {
        e.setWantClientAuth(want);
    }

    @Override
    public boolean getWantClientAuth() {
        return e.getWantClientAuth();
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        e.setEnableSessionCreation(flag);
    }

    @Override
    public boolean getEnableSessionCreation() {
        return e.getEnableSessionCreation();
    }

    @Override
    public SSLParameters getSSLParameters() {
        return e.getSSLParameters();
    }

    @Override
    public void setSSLParameters(SSLParameters params) {
        e.setSSLParameters(params);
    }

    @Override
    public String toString() {
        return e.toString();
    }
}
