package dev.dormouse.rtmanager;

/** Another action (in this process or another one) holds the runtime's lease. */
public final class RuntimeConflictException extends RuntimeManagerException {
    public RuntimeConflictException(String message) {
        super(message);
    }
}
