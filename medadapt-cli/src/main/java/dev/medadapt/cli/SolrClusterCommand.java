package dev.medadapt.cli;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.solr.cloud.MiniSolrCloudCluster;
import org.apache.solr.embedded.JettySolrRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code medadapt solr-cluster}: an embedded SolrCloud (Solr 9.10.1's MiniSolrCloudCluster: an
 * embedded ZooKeeper and {@code --nodes} Jetty nodes in this process) for trying the Solr back end
 * without installing Solr. Prints the ZooKeeper address and runs until Ctrl-C, then stops the nodes.
 */
@Command(
    name = "solr-cluster",
    mixinStandardHelpOptions = true,
    description = {
      "Start an embedded SolrCloud (ZooKeeper + N Solr nodes in this process), print its ZooKeeper address and run",
      "until Ctrl-C. Use the address with --solr-zk (and a --collection) in index, search, ask, eval, baseline and study."
    })
public final class SolrClusterCommand implements Callable<Integer> {
  @Option(names = "--nodes", paramLabel = "N", defaultValue = "2", description = "Solr nodes, in [1, 16] (default ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Folder for ZooKeeper's and the nodes' data (created if missing).")
  Path dir;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Ensure.between(nodes, 1, 16, "--nodes");
    Files.createDirectories(dir);
    if (!Files.isWritable(dir)) {
      throw new ConfigurationException("--dir " + dir + " is not writable");
    }
    System.setProperty("solr.log.dir", dir.resolve("logs").toString());
    MiniSolrCloudCluster cluster = new MiniSolrCloudCluster.Builder(nodes, dir.toAbsolutePath()).withMetrics(false).configure();
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      try {
        cluster.shutdown();
      } catch (Exception e) {
        System.err.println("solr-cluster: stopping: " + e);
      } finally {
        stopped.countDown();
      }
    }, "medadapt-solr-cluster-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    PrintWriter out = spec.commandLine().getOut();
    out.println("SolrCloud with " + nodes + " node(s) is running.");
    out.println("ZooKeeper: " + cluster.getZkServer().getZkAddress());
    for (JettySolrRunner j : cluster.getJettySolrRunners()) {
      out.println("Solr node: " + j.getBaseUrl());
    }
    out.println("e.g. ./medadapt index --corpus FILE --solr-zk " + cluster.getZkServer().getZkAddress() + " --collection medrag");
    out.println("Ctrl-C stops it.");
    out.flush();
    stopped.await(); // until the shutdown hook has stopped the cluster
    return 0;
  }
}
