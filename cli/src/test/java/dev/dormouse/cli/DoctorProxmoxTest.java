package dev.dormouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.cli.DoctorCheck.Status;
import dev.dormouse.provider.proxmox.sim.PveSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The doctor's Proxmox checks against the PVE simulator: the secret file (with the config), the token, the guests. */
class DoctorProxmoxTest {
    @TempDir
    Path dir;
    private final PveSimulator pve;

    DoctorProxmoxTest() throws Exception {
        pve = new PveSimulator("root@pam!dormouse", "the-right-secret");
        pve.add("pve", "lxc", 101, "nextcloud", 0);
    }

    @AfterEach
    void stop() {
        pve.close();
    }

    private List<DoctorCheck> doctor(String secretFileLine) throws Exception {
        String yaml = "server:\n  http: \"\"\n  admin: \"\"\n  data_dir: \"" + dir.resolve("data") + "\"\n"
                + "providers:\n  proxmox:\n    - name: pve\n      url: \"" + pve.url() + "\"\n      token_id: \"root@pam!dormouse\"\n"
                + "      token_secret_file: \"" + secretFileLine + "\"\n"
                + "routes:\n  - {name: ct, hosts: [ct.test], target: \"http://127.0.0.1:1\", container: \"proxmox:pve/pve/101\"}\n"
                + "  - {name: gone, hosts: [gone.test], target: \"http://127.0.0.1:1\", container: \"proxmox:pve/pve/999\"}\n";
        Path cfg = Files.writeString(dir.resolve("dormouse.yml"), yaml);
        return new Doctor(new Doctor.Deps(Daemon.providerKinds(), new Identity("root", 0, Set.of(0)), Clock.systemUTC(), u -> false)).run(cfg);
    }

    private static DoctorCheck row(List<DoctorCheck> checks, String name) {
        return checks.stream().filter(c -> c.check().equals(name)).findFirst().orElseThrow(() -> new AssertionError(name + " in " + checks));
    }

    @Test
    void anAcceptedTokenReachesTheGuests() throws Exception {
        Path secret = Files.writeString(dir.resolve("pve.secret"), "the-right-secret\n");
        List<DoctorCheck> checks = doctor(secret.toString());
        assertEquals(Status.OK, row(checks, "config").status(), checks.toString());
        assertEquals(new DoctorCheck("proxmox pve engine", Status.OK, "PVE 8.2.4 answers at " + pve.url()), row(checks, "proxmox pve engine"));
        assertEquals(Status.OK, row(checks, "route ct").status(), checks.toString());
        assertEquals(new DoctorCheck("route gone", Status.PROBLEM, "container proxmox:pve/pve/999 does not exist"), row(checks, "route gone"));
        assertFalse(checks.toString().contains("the-right-secret"));
    }

    @Test
    void aRefusedTokenOrAMissingSecretFileIsAProblem() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong.secret"), "not-it");
        List<DoctorCheck> refused = doctor(wrong.toString());
        DoctorCheck api = row(refused, "proxmox pve engine");
        assertEquals(Status.PROBLEM, api.status());
        assertTrue(api.detail().startsWith("proxmox pve: check: 401 authentication failure (check token_id"), api.detail());
        assertFalse(refused.toString().contains("not-it"), "never the secret");
        assertEquals(Status.WARNING, row(refused, "route ct").status(), "not checked");

        // The config's own check (the one validate runs) finds the missing file, with where it is written.
        List<DoctorCheck> missing = doctor(dir.resolve("none.secret").toString());
        assertEquals(new DoctorCheck("config", Status.PROBLEM, dir.resolve("dormouse.yml") + ":10:26: providers.proxmox[0].token_secret_file: "
                + dir.resolve("none.secret") + " does not exist"), row(missing, "config"));
        assertTrue(missing.stream().noneMatch(c -> c.check().equals("proxmox pve engine")), "no provider without its secret");
    }
}
