package fr.relais.sso;

import fr.relais.platform.Tokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pairwise pseudonymous ids for publishers, like GAR's {@code IDO}: 128 hex characters, HMAC-SHA512 of the
 * canonical person id (the AAF jointure, the same whatever ENT the user came through) and the publisher's
 * connector id, under a secret only Relais holds. Stable for one person and one publisher; unrelated between
 * publishers; not reversible without the secret.
 */
public final class PairwiseIds {

    private final byte[] secret;

    public PairwiseIds(byte[] secret) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("relais.sso.pairwise-secret: at least 32 bytes");
        }
        this.secret = secret.clone();
    }

    public static PairwiseIds fromConfigOrFile(String configured, Path file) {
        if (configured != null && !configured.isBlank()) {
            return new PairwiseIds(configured.getBytes(StandardCharsets.UTF_8));
        }
        try {
            if (!Files.exists(file)) {
                fr.relais.platform.DataFiles.writeSecret(file, (Tokens.random("") + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return new PairwiseIds(Files.readString(file, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }

    public String of(String personId, String publisherId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA512");
            mac.init(new SecretKeySpec(secret, "HmacSHA512"));
            mac.update(publisherId.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return HexFormat.of().formatHex(mac.doFinal(personId.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
