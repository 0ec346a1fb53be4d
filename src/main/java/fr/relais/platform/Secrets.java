package fr.relais.platform;

import java.util.HashMap;
import java.util.Map;

/** How much guessing a configured secret resists, as far as its own characters tell. */
public final class Secrets {

    private Secrets() {
    }

    /**
     * Length times the Shannon entropy of the secret's characters: {@code aaaa...} scores 0 whatever its length,
     * 32 random hexadecimal digits about 115, 44 characters of {@code openssl rand -base64 32} about 210. A guess of
     * the spread, not of the source: a sequence such as {@code abcdef...} scores like random text.
     */
    public static int estimatedBits(String secret) {
        Map<Integer, Integer> counts = new HashMap<>();
        secret.codePoints().forEach(c -> counts.merge(c, 1, Integer::sum));
        int length = counts.values().stream().mapToInt(Integer::intValue).sum();
        double perCharacter = 0;
        for (int count : counts.values()) {
            double p = (double) count / length;
            perCharacter -= p * Math.log(p) / Math.log(2);
        }
        return (int) Math.floor(perCharacter * length);
    }
}
