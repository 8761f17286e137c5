package dev.dormouse.provider.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.ConfigException;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.ContainerRef;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.ProviderKinds;
import dev.dormouse.core.spi.ProviderConfig;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The {@code providers.docker} section and Docker container references, as the docker kind reads them. */
class DockerConfigTest {
    private static final ProviderKinds KINDS = ProviderKinds.of(List.of(new DockerProviderFactory()));

    static DormouseConfig parse(String yaml) {
        return ConfigLoader.parse(new StringReader(yaml), "t.yml", Path.of("/etc/dormouse"), Path.of("/etc/dormouse/t.yml"), KINDS);
    }

    static List<String> problems(String yaml) {
        try {
            parse(yaml);
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().map(p -> p.toString().substring("t.yml:".length())).toList();
        }
    }

    @Test
    void everyRuleOfTheSection() {
        String[][] cases = {
            // yaml, problem count, the problem: line:column: path: message
            {"providers: {docker: [{name: l, host: 'http://x'}]}", "1", "1:38: providers.docker[0].host: must start with unix:// or tcp://, got 'http://x'"},
            {"providers: {docker: [{name: l, host: [x]}]}", "1", "1:38: providers.docker[0].host: must be a string, got a list"},
            {"providers: {docker: [{name: l, labels: 'yes'}]}", "1", "1:40: providers.docker[0].labels: must be true or false, got a string 'yes'"},
            {"providers: {docker: [{host: 'unix:///x'}]}", "1", "1:22: providers.docker[0].name: required"},
            {"providers: {docker: [{name: l, hots: 'tcp://h:2375'}]}", "1", "1:32: providers.docker[0].hots: unknown key (did you mean 'host'?)"},
            {"providers: {docker: [{name: l}, {name: l}]}", "1", "1:40: providers.docker[1].name: duplicate provider name 'l'"},
            {"providers: {docker: [{name: l}]}\nroutes: [{name: x, hosts: [x.t], container: 'docker:l/a/b'}]", "1",
                "2:45: routes[0].container: not a container name: 'a/b' in 'docker:l/a/b'"},
            {"providers: {docker: [{name: l}]}\nroutes: [{name: x, hosts: [x.t], container: 'a/b'}]", "1",
                "2:45: routes[0].container: not a container name: 'a/b' in 'docker:l/a/b'"},
            {"providers: {docker: [{name: a}, {name: b}]}\nroutes: [{name: x, hosts: [x.t], container: web}]", "1",
                "2:45: routes[0].container: 'web' names no provider; write docker:<provider>/<name-or-id> (2 docker providers are configured)"},
            {"routes: [{name: x, hosts: [x.t], container: web}]", "1",
                "1:45: routes[0].container: 'web' names no provider; write docker:<provider>/<name-or-id> (0 docker providers are configured)"},
            {"providers: {docker: [{name: l}]}\nroutes: [{name: x, hosts: [x.t], container: 'docker:l'}]", "1",
                "2:45: routes[0].container: must be docker:<provider>/<name-or-id>, got 'docker:l'"},
        };
        List<String> failures = new ArrayList<>();
        for (String[] c : cases) {
            List<String> got = problems(c[0] + "\n");
            if (got.size() != Integer.parseInt(c[1]) || !got.contains(c[2])) failures.add(c[0] + "\n  expected " + c[1] + " with " + c[2] + "\n  got " + got);
        }
        assertEquals("", String.join("\n", failures));
    }

    @Test
    void theSectionsValuesAndDefaults() {
        DormouseConfig c = parse("providers:\n  docker:\n    - {name: local}\n    - {name: far, host: 'tcp://10.0.0.2:2375', labels: true}\n"
                + "routes:\n  - {name: a, hosts: [a.t], container: 'docker:far/3f2a'}\n");
        assertEquals(List.of(new DockerProviderConfig("local", "unix:///var/run/docker.sock", false),
                new DockerProviderConfig("far", "tcp://10.0.0.2:2375", true)), c.providers());
        ProviderConfig local = c.providers().get(0);
        assertEquals("docker:local", local.key());
        assertFalse(local.labels());
        assertEquals(Optional.of(Path.of("/var/run/docker.sock")), local.socket());
        assertEquals("unix:///var/run/docker.sock", local.endpoint());
        ProviderConfig far = c.providers().get(1);
        assertTrue(far.labels());
        assertEquals(Optional.empty(), far.socket(), "no socket of this machine to check");
        assertEquals(new ContainerRef("docker", "far", "3f2a"), c.routes().get(0).container().orElseThrow());
    }

    @Test
    void aBareNameIsADockerContainerWhenThereIsOneDockerProvider() {
        DormouseConfig c = parse("providers: {docker: [{name: local}]}\nroutes: [{name: a, hosts: [a.t], container: whoami}]\n");
        assertEquals(new ContainerRef("docker", "local", "whoami"), c.routes().get(0).container().orElseThrow());
        assertEquals("docker:local", c.routes().get(0).container().orElseThrow().providerKey());
    }
}
