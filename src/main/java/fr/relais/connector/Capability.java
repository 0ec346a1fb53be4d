package fr.relais.connector;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** What a connector family can do; the core asks for a capability, never for a vendor. */
public enum Capability {
    SSO_INBOUND("sso.inbound"),
    SSO_OUTBOUND("sso.outbound"),
    CLASSLOG_READ("classlog.read"),
    CLASSLOG_WRITE("classlog.write"),
    CLASSLOG_DELETE("classlog.delete"),
    DIRECTORY_IMPORT("directory.import"),
    LICENCE_FEED("licence.feed"),
    TEST("test");

    private final String id;

    Capability(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Optional<Capability> fromId(String id) {
        return Arrays.stream(values()).filter(c -> c.id.equals(id)).findFirst();
    }

    public static String known() {
        return Arrays.stream(values()).map(Capability::id).collect(Collectors.joining(", "));
    }
}
