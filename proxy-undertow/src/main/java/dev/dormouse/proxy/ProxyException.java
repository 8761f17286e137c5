package dev.dormouse.proxy;

import dev.dormouse.core.DormouseException;

/** The proxy cannot do what it was asked, e.g. its listener address is taken. */
public class ProxyException extends DormouseException {
    public ProxyException(String message, Throwable cause) {
        super(message, cause);
    }

    public ProxyException(String message) {
        super(message);
    }
}
