package dev.dormouse.tls;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The lines a System.Logger wrote (through java.util.logging, the JDK's default backend). */
final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger;
    final List<LogRecord> records = new CopyOnWriteArrayList<>();

    LogCapture(String name) {
        this.logger = Logger.getLogger(name);
        logger.addHandler(this);
    }

    List<String> at(Level level) {
        return records.stream().filter(r -> r.getLevel().equals(level)).map(r -> java.text.MessageFormat.format(r.getMessage(),
                r.getParameters() == null ? new Object[0] : r.getParameters())).toList();
    }

    @Override
    public void publish(LogRecord r) {
        records.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
