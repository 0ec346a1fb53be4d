package fr.relais.platform;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A bounded in-memory copy of what a hot path reads from the database or the directory, kept exact by the
 * writers: whoever changes the source calls {@link #invalidate} after the change (for the database,
 * {@link #invalidateAfterCommit}), and the next read loads it again.
 *
 * <p>A load that raced with an invalidation is returned but not kept: every invalidation moves a counter, and a
 * loaded value is stored only if the counter has not moved since the load began. So a reader that read the old
 * value just before a write can never put it back after the writer's invalidation.
 *
 * <p>{@code maxAge} bounds how long a value may be served when the source was changed by someone who does not
 * invalidate (another node, a tool writing to the directory); when full, arbitrary entries are dropped.
 */
public final class ReadThroughCache<K, V> {

    private record Entry<V>(V value, long loadedAt) {
    }

    private final ConcurrentHashMap<K, Entry<V>> entries = new ConcurrentHashMap<>();
    private final AtomicLong invalidations = new AtomicLong();
    private final int maxSize;
    private final long maxAgeNanos;

    public ReadThroughCache(int maxSize, Duration maxAge) {
        this.maxSize = Math.max(1, maxSize);
        this.maxAgeNanos = maxAge.compareTo(Duration.ofDays(36_500)) > 0 ? Long.MAX_VALUE : maxAge.toNanos();
    }

    public V get(K key, Function<K, V> loader) {
        return get(key, loader, v -> true);
    }

    /** @param keep whether a loaded value is worth keeping (not, say, an absence that may be filled soon) */
    public V get(K key, Function<K, V> loader, Predicate<V> keep) {
        long now = System.nanoTime();
        Entry<V> cached = entries.get(key);
        if (cached != null && now - cached.loadedAt() < maxAgeNanos) {
            return cached.value();
        }
        long stamp = invalidations.get();
        V value = loader.apply(key);
        if (!keep.test(value)) {
            return value;
        }
        if (entries.size() >= maxSize) {
            evictSome();
        }
        // atomic with a concurrent invalidate(key): either stored before its removal, or refused after its count
        entries.compute(key, (k, old) -> invalidations.get() == stamp ? new Entry<>(value, now) : old);
        return value;
    }

    /** Call after the source changed, with what it now holds for this key (a writer that knows it). */
    public void put(K key, V value) {
        invalidations.incrementAndGet();
        if (entries.size() >= maxSize) {
            evictSome();
        }
        entries.put(key, new Entry<>(value, System.nanoTime()));
    }

    /** Call after the source changed: the next read of this key loads it again. */
    public void invalidate(K key) {
        invalidations.incrementAndGet();
        entries.remove(key);
    }

    public void invalidateIf(Predicate<K> which) {
        invalidations.incrementAndGet();
        entries.keySet().removeIf(which);
    }

    public void invalidateAll() {
        invalidations.incrementAndGet();
        entries.clear();
    }

    /**
     * For a database write: invalidates now and again once the current transaction commits (or rolls back), so
     * that a read between the two, which still sees the old rows, is not kept either.
     */
    public void invalidateAfterCommit(Predicate<K> which) {
        invalidateIf(which);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    invalidateIf(which);
                }
            });
        }
    }

    public int size() {
        return entries.size();
    }

    /** Drops about a tenth of the entries, at random (a full pass every tenth of the size: constant per load). */
    private void evictSome() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        entries.keySet().removeIf(k -> random.nextInt(10) == 0);
    }
}
