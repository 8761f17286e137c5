package dev.dormouse.rtmanager;

/**
 * Another action (in this process or another one on the same database) holds the runtime's lease; the
 * attempt was logged as {@code conflict} and nothing was done.
 */
public final class RuntimeConflictException extends RuntimeManagerException {
    private final Operation operation;

    public RuntimeConflictException(String message, Operation operation) {
        super(message);
        this.operation = java.util.Objects.requireNonNull(operation, "operation");
    }

    /** The {@code conflict} row that was logged. */
    public Operation operation() {
        return operation;
    }
}
