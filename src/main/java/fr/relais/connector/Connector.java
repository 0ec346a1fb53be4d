package fr.relais.connector;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One connected system as loaded from its descriptor: either {@code ready}, or {@code quarantined} with the
 * reasons (the descriptor is reported, never used). {@link #descriptor()} is the whole YAML tree, with
 * placeholders resolved, for the family's behaviour to read.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Connector(
        String id,
        String name,
        ConnectorKind kind,
        String family,
        String protocol,
        String platform,
        String territory,
        List<String> capabilities,
        String status,
        List<String> errors,
        String source,
        @JsonIgnore JsonNode descriptor) {

    public static final String READY = "ready";
    public static final String QUARANTINED = "quarantined";

    @JsonIgnore
    public boolean isReady() {
        return READY.equals(status);
    }

    /** Whether it is of this kind (false for a descriptor quarantined for its kind). */
    public boolean is(ConnectorKind k) {
        return kind == k;
    }

    public boolean can(Capability capability) {
        return isReady() && capabilities.contains(capability.id());
    }
}
