package dev.medadapt.solr.internal;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.solr.SolrTarget;
import dev.medadapt.solr.SolrUnavailableException;
import java.io.IOException;
import java.time.Duration;
import org.apache.solr.client.solrj.SolrServerException;
import org.apache.solr.common.SolrException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Solr requests with retries on transient failures: connection errors and the 5xx/404 answers
 * a cluster gives while a node goes away and replicas take over. Requests that Solr refuses (4xx)
 * fail at once, naming the collection. Not API.
 */
public final class SolrCalls {
  private static final Logger LOG = LoggerFactory.getLogger(SolrCalls.class);

  private SolrCalls() {}

  /** A Solr request. */
  @FunctionalInterface
  public interface Call<T> {
    T run() throws SolrServerException, IOException;
  }

  /** Retry policy: up to {@code attempts} tries, waiting {@code backoff}, doubled each time (capped at 5 s). */
  public record Retry(int attempts, Duration backoff) {
    /** 8 tries over about 20 seconds: enough for a replica to become leader after its node stops. */
    public static final Retry DEFAULT = new Retry(8, Duration.ofMillis(250));
  }

  public static <T> T call(SolrTarget target, String what, Retry retry, Call<T> call) {
    long wait = retry.backoff().toMillis();
    Exception last = null;
    for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
      try {
        return call.run();
      } catch (SolrServerException | IOException e) {
        last = e;
      } catch (SolrException e) {
        if (!transientCode(e.code())) {
          throw new ConfigurationException(target.describe() + ": Solr refused " + what + " (HTTP " + e.code() + "): "
              + e.getMessage(), e);
        }
        last = e;
      }
      if (attempt < retry.attempts()) {
        LOG.info("{}: {} failed (attempt {} of {}), retrying in {} ms: {}", target.describe(), what, attempt,
            retry.attempts(), wait, last.toString());
        try {
          Thread.sleep(wait);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new SolrUnavailableException(target.describe() + ": interrupted while retrying " + what, ie);
        }
        wait = Math.min(wait * 2, 5_000);
      }
    }
    throw new SolrUnavailableException(target.describe() + ": " + what + " failed after " + retry.attempts()
        + " attempts: " + last, last);
  }

  /** 404 (a core moved away), 5xx, and SolrJ's -1 (no HTTP answer). */
  static boolean transientCode(int code) {
    return code == 404 || code >= 500 || code <= 0;
  }
}
