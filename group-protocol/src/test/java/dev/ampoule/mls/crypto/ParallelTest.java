package dev.ampoule.mls.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void resultsComeBackInIndexOrderOnSeveralThreads() {
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        List<Integer> squares = Parallel.map(2_000, 4, i -> {
            threads.add(Thread.currentThread());
            return i * i;
        });
        assertEquals(IntStream.range(0, 2_000).map(i -> i * i).boxed().toList(), squares);
        assertEquals(List.of(0, 1, 4), Parallel.map(3, 4, i -> i * i), "below the threshold");
        assertEquals(List.of(), Parallel.map(0, 4, i -> i));
    }

    @Test
    void theLowestFailingIndexIsThrownWhateverRanFirst() {
        for (int run = 0; run < 50; run++) {
            RuntimeException[] failures = new RuntimeException[64];
            for (int i : new int[] {3, 40, 63}) {
                failures[i] = new IllegalStateException("task " + i);
            }
            RuntimeException thrown = assertThrows(IllegalStateException.class, () -> Parallel.forEach(64, 4, i -> {
                if (failures[i] != null) {
                    throw failures[i];
                }
            }));
            assertSame(failures[3], thrown);
            assertSame(failures[3], assertThrows(IllegalStateException.class,
                    () -> Parallel.map(64, 4, i -> {
                        if (failures[i] != null) {
                            throw failures[i];
                        }
                        return i;
                    })));
        }
    }

    @Test
    void attemptReportsEveryFailureByIndexAndRunsEveryTask() {
        Set<Integer> ran = ConcurrentHashMap.newKeySet();
        RuntimeException[] out = Parallel.attempt(100, 4, i -> {
            ran.add(i);
            if (i % 25 == 7) {
                throw new IllegalArgumentException("bad " + i);
            }
        });
        assertEquals(100, ran.size());
        for (int i = 0; i < 100; i++) {
            if (i % 25 == 7) {
                assertEquals("bad " + i, out[i].getMessage());
            } else {
                assertNull(out[i]);
            }
        }
    }
}
