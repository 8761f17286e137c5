package dev.dormouse.cli;

import dev.dormouse.core.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** Options that take a duration in config syntax ({@code 30s}, {@code 2m}, {@code 1h30m}). */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
        if (!d.isPositive()) throw new CommandLine.TypeConversionException("must be more than 0, got '" + value + "'");
        return d;
    }
}
