package fr.relais.sso;

/** Lets tests of other packages run in the SSO tests' Relais (same context, same simulators, same directory). */
public abstract class SsoTestBaseAccess extends SsoTestBase {

    protected static String base() {
        return BASE;
    }

    protected org.springframework.jdbc.core.JdbcTemplate jdbc() {
        return jdbc;
    }
}
