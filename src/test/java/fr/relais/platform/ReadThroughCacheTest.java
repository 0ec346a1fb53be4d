package fr.relais.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class ReadThroughCacheTest {

    @Test
    void aValueIsLoadedOnceUntilInvalidated() {
        ReadThroughCache<String, String> cache = new ReadThroughCache<>(10, Duration.ofMinutes(5));
        AtomicInteger loads = new AtomicInteger();
        assertThat(cache.get("a", k -> k + loads.incrementAndGet())).isEqualTo("a1");
        assertThat(cache.get("a", k -> k + loads.incrementAndGet())).isEqualTo("a1");
        cache.invalidate("a");
        assertThat(cache.get("a", k -> k + loads.incrementAndGet())).isEqualTo("a2");
    }

    @Test
    void aLoadThatRacedWithAnInvalidationIsNotKept() {
        ReadThroughCache<String, String> cache = new ReadThroughCache<>(10, Duration.ofMinutes(5));
        // the writer changes the source and invalidates while the reader is between its read and its store
        assertThat(cache.get("pupil", k -> {
            cache.invalidate("pupil");
            return "old school";
        })).isEqualTo("old school");
        assertThat(cache.get("pupil", k -> "new school")).isEqualTo("new school");
        cache.get("other", k -> {
            cache.invalidateIf(key -> key.startsWith("p"));
            return "x";
        });
        assertThat(cache.get("other", k -> "y")).isEqualTo("y");
    }

    @Test
    void valuesOlderThanTheMaximumAgeAreLoadedAgain() throws Exception {
        ReadThroughCache<String, Integer> cache = new ReadThroughCache<>(10, Duration.ofMillis(20));
        assertThat(cache.get("a", k -> 1)).isEqualTo(1);
        Thread.sleep(40);
        assertThat(cache.get("a", k -> 2)).isEqualTo(2);
    }

    @Test
    void theSizeStaysBounded() {
        ReadThroughCache<Integer, Integer> cache = new ReadThroughCache<>(1000, Duration.ofMinutes(5));
        for (int i = 0; i < 100_000; i++) {
            cache.get(i, k -> k);
        }
        assertThat(cache.size()).isLessThanOrEqualTo(1000);
        assertThat(cache.get(99_999, k -> -1)).isEqualTo(99_999);
    }
}
