package fr.relais.bench;

import java.util.List;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import fr.relais.RelaisTestSupport;

/**
 * The database of a benchmark: H2 (the embedded default), or a real PostgreSQL (as the prod profile requires)
 * when the given system property says {@code postgres}. Close it after the application.
 */
final class BenchDatabase implements AutoCloseable {

    private final EmbeddedPostgres postgres;
    private final java.nio.file.Path directory;

    BenchDatabase(String property, String name) throws Exception {
        directory = RelaisTestSupport.fresh(name + "-pg");
        postgres = "postgres".equals(System.getProperty(property)) ? EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(directory.toFile()).setDataDirectory(directory.resolve("data")).start() : null;
    }

    /**
     * CPU nanoseconds so far of this PostgreSQL's server processes (its postmaster and the backends and workers
     * it started, from /proc on Linux; 0 with H2): outside the JVM's own figure, on the same cores. Backends that
     * ended meanwhile are not counted: Relais' connection pool keeps its own open.
     */
    long cpuNanos() throws java.io.IOException {
        if (postgres == null) {
            return 0;
        }
        java.nio.file.Path pidFile = directory.resolve("data").resolve("postmaster.pid");
        long pid = Long.parseLong(java.nio.file.Files.readAllLines(pidFile).get(0).strip());
        return ProcessHandle.of(pid).stream().flatMap(h -> java.util.stream.Stream.concat(java.util.stream.Stream.of(h),
                        h.descendants()))
                .mapToLong(h -> h.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L)).sum();
    }

    /** The application arguments that point Relais at it (none for H2). */
    List<String> args() {
        return postgres == null ? List.of() : List.of("--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                "--spring.datasource.username=postgres", "--spring.datasource.password=");
    }

    String name() {
        return postgres == null ? "H2" : "PostgreSQL";
    }

    @Override
    public void close() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }
}
