package fr.relais.classlog;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The simulation's database: H2 in memory with Relais' migrations, as the demo runs it (same URL options), so that
 * transactions, isolation and keys are the real ones. What the simulation adds: a commit is a yield point (the
 * scheduler may run another step, or crash Relais, right after it), and a step of a killed engine can commit
 * nothing more (a statement or a commit from it fails, a rollback goes through, as kill -9 would leave it).
 */
final class SimDatabase {

    private static JdbcConnectionPool pool;
    private static final Set<String> BLOCKED_WHEN_DEAD = Set.of("prepareStatement", "createStatement", "prepareCall",
            "commit");

    private final SimScheduler scheduler;
    final DataSource dataSource;
    final JdbcTemplate jdbc;
    final TransactionTemplate tx;
    final DataSourceTransactionManager transactions;

    SimDatabase(SimScheduler scheduler) {
        this.scheduler = scheduler;
        this.dataSource = proxy(pool());
        this.jdbc = new JdbcTemplate(dataSource);
        this.transactions = new DataSourceTransactionManager(dataSource);
        this.tx = new TransactionTemplate(transactions);
        // every table of the cahier de textes emptied: each run starts from a new install
        List<String> tables = jdbc.queryForList("SELECT table_name FROM information_schema.tables WHERE "
                + "table_schema = 'public' AND table_name LIKE 'classlog%'", String.class);
        for (String table : tables) {
            jdbc.update("DELETE FROM " + table);
        }
    }

    private static synchronized JdbcConnectionPool pool() {
        if (pool == null) {
            pool = JdbcConnectionPool.create("jdbc:h2:mem:relais-sim;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;"
                    + "DEFAULT_NULL_ORDERING=HIGH;OPTIMIZE_REUSE_RESULTS=FALSE;DB_CLOSE_DELAY=-1", "sa", "");
            pool.setMaxConnections(64);
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
        }
        return pool;
    }

    private DataSource proxy(DataSource target) {
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (p, method, args) -> {
                    Object out = invoke(target, method, args);
                    return out instanceof Connection c && method.getName().equals("getConnection") ? connection(c) : out;
                });
    }

    private Connection connection(Connection target) {
        InvocationHandler handler = (p, method, args) -> {
            String name = method.getName();
            if (BLOCKED_WHEN_DEAD.contains(name) && scheduler.dead()) {
                throw new SimScheduler.Crash();
            }
            if (name.equals("close") && !target.getAutoCommit()) {
                target.rollback(); // back to the pool without what a dead step left uncommitted
            }
            Object out = invoke(target, method, args);
            if (name.equals("commit")) {
                scheduler.yieldPoint("après un commit");
            }
            return out;
        };
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
