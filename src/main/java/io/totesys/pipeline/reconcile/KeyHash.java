package io.totesys.pipeline.reconcile;

/**
 * PostgreSQL's {@code hashint4} of a key, computed here as the server computes it (Bob
 * Jenkins' {@code hash_bytes_uint32} of {@code src/common/hashfn.c}, the hash of hash indexes
 * and hash partitions, stable across releases): so that the sum over the keys the lake holds
 * in a key range, which only the pipeline knows, is compared with the sum ToteSys computes
 * over its own ({@link io.totesys.pipeline.lake.RangeChecksum}).
 */
final class KeyHash {

    private static final int INITIAL = 0x9e3779b9 + Integer.BYTES + 3923095;

    private KeyHash() {
    }

    /** {@code hashint4(key)}, as the signed integer PostgreSQL returns. */
    static int of(int key) {
        int a = INITIAL + key;
        int b = INITIAL;
        int c = INITIAL;
        c ^= b;
        c -= Integer.rotateLeft(b, 14);
        a ^= c;
        a -= Integer.rotateLeft(c, 11);
        b ^= a;
        b -= Integer.rotateLeft(a, 25);
        c ^= b;
        c -= Integer.rotateLeft(b, 16);
        a ^= c;
        a -= Integer.rotateLeft(c, 4);
        b ^= a;
        b -= Integer.rotateLeft(a, 14);
        c ^= b;
        c -= Integer.rotateLeft(b, 24);
        return c;
    }
}
