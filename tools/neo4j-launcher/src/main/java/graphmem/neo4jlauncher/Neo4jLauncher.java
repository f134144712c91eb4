package graphmem.neo4jlauncher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.neo4j.configuration.Config;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.SettingImpl;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilder;
import org.neo4j.harness.Neo4jBuilders;

/**
 * Runs a Neo4j Community server in-process (neo4j-harness) with Bolt on host:port, auth off and
 * HTTP off, prints one ready line and blocks until the JVM is told to stop (SIGTERM/SIGINT).
 *
 * <p>Usage: {@code Neo4jLauncher --data DIR [--host 127.0.0.1] [--port 7687] [--conf name=value]...}
 *
 * <p>The store lives in DIR/data and survives restarts. The harness insists on a fresh random home
 * folder per run (logs, certificates) under DIR/run and deletes it on a clean shutdown.
 */
public final class Neo4jLauncher {
    /** scripts/neo4j-local waits for this prefix in the log. */
    static final String READY = "GRAPHMEM_NEO4J_READY";

    /** Applied only where this Neo4j version declares the setting; a test server needs none of these. */
    private static final String[][] SOFT_DEFAULTS = {
        {"dbms.usage_report.enabled", "false"}, // no phoning home: there is no internet here anyway
        {"db.tx_log.preallocate", "false"}, // don't reserve 256 MiB per database on disk
        {"db.tx_log.rotation.retention_policy", "100M size"},
        // Bolt waits a 5 s Netty quiet period per event loop group on shutdown (10 s per stop);
        // a test server has nothing to drain. The setting was renamed in the calendar line.
        {"internal.dbms.bolt.netty_server_shutdown_quiet_period", "0"},
        {"internal.dbms.bolt.netty_server_shutdown_quiet_period_duration", "0s"},
    };

    private Neo4jLauncher() {}

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 7687;
        Path data = null;
        List<String> conf = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("missing value for " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--host" -> host = v;
                case "--port" -> port = Integer.parseInt(v);
                case "--data" -> data = Path.of(v).toAbsolutePath();
                case "--conf" -> conf.add(v);
                default -> usage("unknown option " + a);
            }
        }
        if (data == null) {
            usage("--data is required");
        }
        Path runDir = data.resolve("run");
        Files.createDirectories(runDir);

        SocketAddress bolt = new SocketAddress(host, port);
        Neo4jBuilder builder = Neo4jBuilders.newInProcessBuilder(runDir)
                .withDisabledServer() // HTTP and HTTPS off: graphmem only speaks Bolt
                .withConfig(GraphDatabaseSettings.auth_enabled, false)
                .withConfig(GraphDatabaseSettings.data_directory, data.resolve("data"))
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, bolt)
                .withConfig(BoltConnector.advertised_address, bolt)
                .withConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED);

        Map<String, Setting<Object>> declared = Config.newBuilder().build().getDeclaredSettings();
        for (String[] soft : SOFT_DEFAULTS) {
            Setting<Object> s = declared.get(soft[0]);
            if (s != null) {
                builder.withConfig(s, parse(s, soft[1]));
            }
        }
        for (String entry : conf) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                usage("--conf wants name=value, got: " + entry);
            }
            String name = entry.substring(0, eq).trim();
            Setting<Object> s = declared.get(name);
            if (s == null) {
                throw new IllegalArgumentException("unknown Neo4j setting: " + name);
            }
            builder.withConfig(s, parse(s, entry.substring(eq + 1).trim()));
        }

        // The hook is registered before build() so a SIGTERM during startup still shuts down cleanly.
        AtomicReference<Neo4j> server = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Neo4j n = server.getAndSet(null);
            if (n != null) {
                System.out.println("graphmem neo4j-launcher: shutting down");
                n.close();
                System.out.println("graphmem neo4j-launcher: stopped");
                System.out.flush();
            }
            stopped.countDown();
        }, "neo4j-launcher-shutdown"));

        long t0 = System.nanoTime();
        Neo4j neo4j = builder.build();
        server.set(neo4j);
        String version = neo4j.defaultDatabaseService().executeTransactionally(
                "CALL dbms.components() YIELD versions, edition RETURN versions[0] + ' ' + edition AS v",
                Map.of(),
                r -> String.valueOf(r.next().get("v")));
        System.out.printf("%s bolt://%s:%d neo4j=%s started_in_ms=%d%n",
                READY, host, port, version.replace(' ', '-'), (System.nanoTime() - t0) / 1_000_000);
        System.out.flush();
        stopped.await(); // park the main thread; the JVM exits via the shutdown hook
    }

    @SuppressWarnings("unchecked")
    private static Object parse(Setting<Object> s, String value) {
        return ((SettingImpl<Object>) (Setting<?>) s).parse(value);
    }

    private static void usage(String why) {
        System.err.println("neo4j-launcher: " + why);
        System.err.println("usage: Neo4jLauncher --data DIR [--host H] [--port N] [--conf name=value]...");
        System.exit(2);
    }
}
