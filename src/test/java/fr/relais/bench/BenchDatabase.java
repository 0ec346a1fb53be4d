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

    BenchDatabase(String property, String name) throws Exception {
        postgres = "postgres".equals(System.getProperty(property)) ? EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(RelaisTestSupport.fresh(name + "-pg").toFile()).start() : null;
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
