package dev.medadapt.core.openai;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

/**
 * An in-process HTTP server on 127.0.0.1 (ephemeral port) that answers with scripted replies in
 * order and records every request.
 */
final class ScriptedServer implements AutoCloseable {
  /** A recorded request. */
  record Request(String method, String path, Map<String, List<String>> headers, String body) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  /**
   * A scripted reply: status, headers, body parts (each flushed separately), delay before answering, and a pause before
   * every part after the first (a server that stalls in the middle of a body).
   */
  record Reply(int status, Map<String, String> headers, List<String> parts, long delayMillis, long stallMillis) {
    Reply(int status, Map<String, String> headers, List<String> parts, long delayMillis) {
      this(status, headers, parts, delayMillis, 0);
    }

    static Reply json(int status, String body) {
      return new Reply(status, Map.of("Content-Type", "application/json"), List.of(body), 0);
    }

    static Reply sse(List<String> events) {
      List<String> parts = new ArrayList<>();
      for (String e : events) {
        parts.add("data: " + e + "\n\n");
      }
      return new Reply(200, Map.of("Content-Type", "text/event-stream"), parts, 0);
    }

    Reply withHeader(String k, String v) {
      Map<String, String> h = new java.util.LinkedHashMap<>(headers);
      h.put(k, v);
      return new Reply(status, h, parts, delayMillis, stallMillis);
    }

    Reply delayed(long millis) {
      return new Reply(status, headers, parts, millis, stallMillis);
    }

    Reply stallingBetweenParts(long millis) {
      return new Reply(status, headers, parts, delayMillis, millis);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final Deque<Reply> replies = new ArrayDeque<>();
  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();
  private volatile java.util.function.Function<Request, Reply> fallback;

  ScriptedServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Headers h = exchange.getRequestHeaders();
      Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), Map.copyOf(h), body);
      requests.add(request);
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      Reply r;
      synchronized (replies) {
        r = !replies.isEmpty() ? replies.poll()
            : fallback != null ? fallback.apply(request)
            : Reply.json(500, "{\"error\": \"no scripted reply left\"}");
      }
      try {
        if (r.delayMillis() > 0) {
          Thread.sleep(r.delayMillis());
        }
        r.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        exchange.sendResponseHeaders(r.status(), 0);
        try (OutputStream out = exchange.getResponseBody()) {
          for (int i = 0; i < r.parts().size(); i++) {
            if (i > 0 && r.stallMillis() > 0) {
              Thread.sleep(r.stallMillis());
            }
            out.write(r.parts().get(i).getBytes(StandardCharsets.UTF_8));
            out.flush();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        // client gave up (timeout test)
      } finally {
        inFlight.decrementAndGet();
        exchange.close();
      }
    });
    server.start();
  }

  ScriptedServer reply(Reply r) {
    synchronized (replies) {
      replies.add(r);
    }
    return this;
  }

  /** Answers every request the script does not cover with {@code f(request)}. */
  ScriptedServer replyWith(java.util.function.Function<Request, Reply> f) {
    this.fallback = f;
    return this;
  }

  /** Most requests that were being answered at the same time. */
  int maxInFlight() {
    return maxInFlight.get();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
