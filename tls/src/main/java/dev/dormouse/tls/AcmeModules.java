package dev.dormouse.tls;

import dev.dormouse.tls.spi.AcmeIssuerFactory;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleFinder;
import java.lang.module.ResolutionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Finds the ACME client ({@link AcmeIssuerFactory}, module {@code dev.dormouse.tls.acme}).
 *
 * <p>In the distribution its jars (dormouse-tls-acme, acme4j, jose4j, Bouncy Castle) live in a directory of
 * their own, e.g. {@code lib/acme/}, never on the boot module path: a {@code java.security.Provider} on the
 * module path (Bouncy Castle's) is bound by {@code java.base} at start and instantiated by JCA at the first
 * TLS handshake or context, whether ACME is configured or not. {@link #fromDirectory} puts them in a module
 * layer of their own, made on first use.
 */
public final class AcmeModules {
    static final String MODULE = "dev.dormouse.tls.acme";

    private AcmeModules() {}

    /**
     * A supplier (for {@link AcmeWorker.Deps}) that, on first call, defines a module layer over the modular
     * jars in {@code dir} (the boot layer as parent: modules it already has, such as {@code org.slf4j}, are
     * taken from there) and returns the factory it provides.
     */
    public static Supplier<AcmeIssuerFactory> fromDirectory(Path dir) {
        return memoize(() -> {
            if (!Files.isDirectory(dir)) throw new TlsException("tls acme: the ACME client modules are missing: no directory " + dir);
            try {
                ModuleLayer boot = ModuleLayer.boot();
                Configuration cf = boot.configuration().resolve(ModuleFinder.of(), ModuleFinder.of(dir), Set.of(MODULE));
                ModuleLayer layer = boot.defineModulesWithOneLoader(cf, ClassLoader.getSystemClassLoader());
                return ServiceLoader.load(layer, AcmeIssuerFactory.class).findFirst()
                        .orElseThrow(() -> new TlsException("tls acme: " + MODULE + " in " + dir + " provides no AcmeIssuerFactory"));
            } catch (FindException | ResolutionException | LayerInstantiationException e) {
                throw new TlsException("tls acme: load the ACME client modules from " + dir + ": " + e.getMessage(), e);
            }
        });
    }

    /** A supplier of the factory visible to this module already (boot layer or class path): for tests and development. */
    public static Supplier<AcmeIssuerFactory> visible() {
        return memoize(() -> ServiceLoader.load(AcmeIssuerFactory.class).findFirst()
                .orElseThrow(() -> new TlsException("tls acme: no ACME client (" + MODULE + ") on the module or class path")));
    }

    private static Supplier<AcmeIssuerFactory> memoize(Supplier<AcmeIssuerFactory> s) {
        return new Supplier<>() {
            private AcmeIssuerFactory value;

            @Override
            public synchronized AcmeIssuerFactory get() {
                if (value == null) value = s.get();
                return value;
            }
        };
    }

}
