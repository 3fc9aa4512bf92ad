package io.totesys.pipeline.world;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A proxy in front of the object store that fails requests the way S3 and networks fail
 * for a moment, or for good: a 503 SlowDown, a 500 InternalError, a 403 AccessDenied or
 * InvalidObjectState (an archived object), a response cut off halfway through its
 * body with a connection reset, or one that stops halfway for longer than the client waits. Every other exchange passes through byte for byte (so
 * that request signatures hold), one exchange per connection. A test plans the faults: which
 * method, a part of the path, how many times. It notes every request that comes through.
 */
public final class FaultyObjectStoreProxy implements AutoCloseable {

    /** A transient failure the proxy answers a request with. */
    public enum Fault {
        SLOW_DOWN,
        INTERNAL_ERROR,
        CUT_MID_BODY,
        STALL_MID_BODY,
        /** 403 AccessDenied: the bucket's policy or the role's refuses the request. */
        ACCESS_DENIED,
        /** 403 InvalidObjectState: the object is archived (Glacier, Deep Archive) until restored. */
        INVALID_OBJECT_STATE
    }

    private record Planned(Fault fault, String method, String pathPart, AtomicInteger remaining) {
    }

    private static final Duration STALL = Duration.ofSeconds(15);
    private static final byte[] END_OF_HEAD = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket server;
    private final URI target;
    private final List<Planned> plan = new CopyOnWriteArrayList<>();
    private final AtomicInteger injected = new AtomicInteger();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final ExecutorService connections = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "faulty-object-store");
        thread.setDaemon(true);
        return thread;
    });

    private FaultyObjectStoreProxy(URI target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        connections.submit(this::accept);
    }

    /** Starts a proxy in front of the object store at an endpoint ({@code http://host:port}). */
    public static FaultyObjectStoreProxy start(String targetEndpoint) {
        try {
            return new FaultyObjectStoreProxy(URI.create(targetEndpoint));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The endpoint the service is to use instead of the object store's. */
    public String endpoint() {
        return "http://" + server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /** Fails the next {@code times} requests with the method whose path contains {@code pathPart}. */
    public void inject(Fault fault, String method, String pathPart, int times) {
        plan.add(new Planned(fault, method, pathPart, new AtomicInteger(times)));
    }

    /** How many requests the proxy failed so far. */
    public int injected() {
        return injected.get();
    }

    /** Whether every planned fault was injected. */
    public boolean planExhausted() {
        return plan.stream().allMatch(planned -> planned.remaining().get() <= 0);
    }

    public void clear() {
        plan.clear();
    }

    /** Every request that came through so far, as its request line's method and path ({@code GET /bucket?list-type=2...}). */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                connections.submit(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream fromClient = new BufferedInputStream(client.getInputStream());
            byte[] requestHead = readHead(fromClient);
            if (requestHead.length == 0) {
                return;
            }
            String[] requestLine = new String(requestHead, StandardCharsets.US_ASCII).split("\r\n", 2)[0].split(" ");
            requests.add(requestLine[0] + " " + requestLine[1]);
            Fault fault = take(requestLine[0], requestLine[1]);
            OutputStream toClient = client.getOutputStream();
            if (fault == Fault.SLOW_DOWN || fault == Fault.INTERNAL_ERROR || fault == Fault.ACCESS_DENIED
                    || fault == Fault.INVALID_OBJECT_STATE) {
                toClient.write(errorResponse(fault));
                toClient.flush();
                return;
            }
            try (Socket upstream = new Socket(target.getHost(), target.getPort())) {
                OutputStream toServer = upstream.getOutputStream();
                toServer.write(closingAfterResponse(requestHead));
                toServer.flush();
                connections.submit(() -> pipe(fromClient, toServer));
                InputStream fromServer = upstream.getInputStream();
                if (fault == Fault.CUT_MID_BODY || fault == Fault.STALL_MID_BODY) {
                    byte[] responseHead = readHead(fromServer);
                    toClient.write(responseHead);
                    toClient.write(fromServer.readNBytes((int) (contentLength(responseHead) / 2)));
                    toClient.flush();
                    if (fault == Fault.STALL_MID_BODY) {
                        stall();
                    }
                    client.setSoLinger(true, 0);
                    return;
                }
                fromServer.transferTo(toClient);
            }
        } catch (IOException e) {
            // the client or the object store went away: so does this exchange
        }
    }

    /** Holds a response for longer than any client of the tests waits for its next bytes. */
    private static void stall() {
        try {
            Thread.sleep(STALL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Fault take(String method, String path) {
        for (Planned planned : plan) {
            if (planned.method().equals(method) && path.contains(planned.pathPart())
                    && planned.remaining().getAndDecrement() > 0) {
                injected.incrementAndGet();
                return planned.fault();
            }
        }
        return null;
    }

    private static byte[] errorResponse(Fault fault) {
        String code = switch (fault) {
            case SLOW_DOWN -> "SlowDown";
            case ACCESS_DENIED -> "AccessDenied";
            case INVALID_OBJECT_STATE -> "InvalidObjectState";
            default -> "InternalError";
        };
        String status = switch (fault) {
            case SLOW_DOWN -> "503 Slow Down";
            case ACCESS_DENIED, INVALID_OBJECT_STATE -> "403 Forbidden";
            default -> "500 Internal Server Error";
        };
        String message = switch (fault) {
            case ACCESS_DENIED -> "Access Denied";
            case INVALID_OBJECT_STATE -> "The operation is not valid for the object's storage class";
            default -> "injected by the test";
        };
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
                + "</Message></Error>";
        return ("HTTP/1.1 " + status + "\r\nContent-Type: application/xml\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    /** The request head with {@code Connection: close}, so that the object store ends the connection after it. */
    private static byte[] closingAfterResponse(byte[] head) {
        String text = new String(head, StandardCharsets.ISO_8859_1);
        StringBuilder rewritten = new StringBuilder();
        for (String line : text.substring(0, text.length() - 4).split("\r\n")) {
            if (!line.toLowerCase(Locale.ROOT).startsWith("connection:")) {
                rewritten.append(line).append("\r\n");
            }
        }
        rewritten.append("Connection: close\r\n\r\n");
        return rewritten.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static long contentLength(byte[] head) {
        for (String line : new String(head, StandardCharsets.ISO_8859_1).split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Long.parseLong(line.substring("content-length:".length()).strip());
            }
        }
        return 0;
    }

    /** The bytes of a message's head, up to and with the blank line; empty when the stream ends first. */
    private static byte[] readHead(InputStream stream) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < END_OF_HEAD.length) {
            int next = stream.read();
            if (next < 0) {
                return new byte[0];
            }
            head.write(next);
            matched = next == END_OF_HEAD[matched] ? matched + 1 : (next == END_OF_HEAD[0] ? 1 : 0);
        }
        return head.toByteArray();
    }

    private static void pipe(InputStream from, OutputStream to) {
        try {
            from.transferTo(to);
        } catch (IOException e) {
            // one side closed: the exchange is over
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        connections.shutdownNow();
    }
}
