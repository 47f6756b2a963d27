package dev.medadapt.solr;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.UnsupportedFeatureException;
import dev.medadapt.rag.embed.EmbedderInfo;
import dev.medadapt.rag.index.AnalyzerSettings;
import dev.medadapt.solr.internal.ConfigSet;
import dev.medadapt.solr.internal.SolrCalls;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.util.Version;
import org.apache.solr.client.solrj.SolrQuery;
import org.apache.solr.client.solrj.impl.CloudSolrClient;
import org.apache.solr.client.solrj.request.CollectionAdminRequest;
import org.apache.solr.client.solrj.request.ConfigSetAdminRequest;
import org.apache.solr.client.solrj.request.schema.SchemaRequest;
import org.apache.solr.client.solrj.response.schema.SchemaRepresentation;
import org.apache.solr.common.SolrDocument;
import org.apache.solr.common.SolrException;
import org.apache.solr.common.SolrInputDocument;
import org.apache.solr.common.util.ContentStreamBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MedAdapt collection in SolrCloud and the client connected to it. Collections are created by
 * the SDK ({@link #creator(SolrTarget)}) with N shards × M replicas, a generated configset (the local
 * index's fields and analysis, BM25 k1/b, an HNSW vector field of the embedder's dimension, exact
 * distributed statistics) and the collection's {@link SolrCollectionMetadata} stored with it.
 * {@link #open(SolrTarget)} checks all of that and refuses, with a named error, an unreachable
 * cluster, a missing collection or one with another schema. Close it to release the client.
 *
 * <pre>{@code
 * try (SolrCollection c = SolrCollection.creator(SolrTarget.zk("localhost:9983", "medquad"))
 *         .embedder(embedder.info()).shards(2).replicas(2).create()) { ... }
 * try (SolrCollection c = SolrCollection.open(SolrTarget.zk("localhost:9983", "medquad"))) {
 *   Retriever bm25 = SolrBm25Retriever.builder(c).build();
 * }
 * }</pre>
 */
public final class SolrCollection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SolrCollection.class);

  /** Id of the document that holds the collection's metadata (it has no searchable field). */
  public static final String METADATA_ID = "_medadapt_metadata";

  /** Id of the document that holds the writer's resume position. */
  public static final String CHECKPOINT_ID = "_medadapt_checkpoint";

  static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final SolrTarget target;
  private final CloudSolrClient client;
  private final SolrCollectionMetadata metadata;
  private final SolrCalls.Retry retry;

  private SolrCollection(SolrTarget target, CloudSolrClient client, SolrCollectionMetadata metadata, SolrCalls.Retry retry) {
    this.target = target;
    this.client = client;
    this.metadata = metadata;
    this.retry = retry;
  }

  /** Opens an existing MedAdapt collection, checking its schema and metadata. */
  public static SolrCollection open(SolrTarget target) {
    CloudSolrClient client = connect(target);
    try {
      SolrCalls.Retry retry = SolrCalls.Retry.DEFAULT;
      requireExists(target, client, retry);
      SolrCollectionMetadata m = readMetadata(target, client, retry);
      checkSchema(target, client, m, retry);
      return new SolrCollection(target, client, m, retry);
    } catch (RuntimeException e) {
      closeQuietly(client);
      throw e;
    }
  }

  /** A builder that creates a new collection (an existing one of that name is an error). */
  public static Creator creator(SolrTarget target) {
    return new Creator(target);
  }

  public SolrTarget target() {
    return target;
  }

  /** The collection's name. */
  public String name() {
    return target.collection();
  }

  public SolrCollectionMetadata metadata() {
    return metadata;
  }

  /** A new analyzer of the collection's BM25 analysis (queries are analyzed like the documents). */
  public Analyzer analyzer() {
    return metadata.analyzer().analyzer();
  }

  /** Passages in the collection (committed ones; the metadata and checkpoint documents are not counted). */
  public long documentCount() {
    SolrQuery q = new SolrQuery("*:*");
    q.addFilterQuery("-" + ConfigSet.ID + ":_medadapt_*");
    q.setRows(0);
    return call("counting documents", () -> client.query(name(), q).getResults().getNumFound());
  }

  /** Throws unless {@code query} is the embedder the passages were embedded with. */
  public void checkQueryEmbedder(EmbedderInfo query) {
    if (!metadata.dense()) {
      throw new CollectionMismatchException(target.describe() + " is BM25-only (created without an embedder); dense search is not possible");
    }
    if (!metadata.embedder().equals(query)) {
      throw new CollectionMismatchException(target.describe() + ": query embedder " + query.description()
          + " differs from the collection's passage embedder " + metadata.describeEmbedder());
    }
  }

  CloudSolrClient client() {
    return client;
  }

  <T> T call(String what, SolrCalls.Call<T> call) {
    return SolrCalls.call(target, what, retry, call);
  }

  /** The stored JSON of a state document, or null when it does not exist (real-time get: no commit needed). */
  String readState(String id) {
    SolrDocument d = call("reading " + id, () -> client.getById(name(), id));
    return d == null ? null : (String) d.getFirstValue(ConfigSet.STATE);
  }

  void writeState(String id, String json) {
    SolrInputDocument d = new SolrInputDocument();
    d.addField(ConfigSet.ID, id);
    d.addField(ConfigSet.STATE, json);
    call("writing " + id, () -> client.add(name(), d));
  }

  void commit() {
    call("committing", () -> client.commit(name(), true, true));
  }

  @Override
  public void close() {
    closeQuietly(client);
  }

  // ---------------------------------------------------------------- opening

  static CloudSolrClient connect(SolrTarget target) {
    CloudSolrClient client;
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE, target.connectTimeout().toMillis());
    if (target.zkHost() != null) {
      String hosts = target.zkHost();
      String chroot = null;
      int slash = hosts.indexOf('/');
      if (slash >= 0) {
        chroot = hosts.substring(slash);
        hosts = hosts.substring(0, slash);
      }
      client =
          new CloudSolrClient.Builder(List.of(hosts.split(",")), Optional.ofNullable(chroot))
              .withZkConnectTimeout(timeoutMs, TimeUnit.MILLISECONDS)
              .withZkClientTimeout(Math.max(timeoutMs, 10_000), TimeUnit.MILLISECONDS)
              .build();
    } else {
      client = new CloudSolrClient.Builder(target.solrUrls()).build();
    }
    try {
      client.connect(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | RuntimeException e) {
      closeQuietly(client);
      throw new SolrUnavailableException("cannot reach the SolrCloud cluster at " + target.cluster() + " within "
          + target.connectTimeout().toSeconds() + " s (for " + target.describe() + "): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(client);
      throw new SolrUnavailableException("interrupted while connecting to " + target.cluster(), e);
    }
    return client;
  }

  private static List<String> collections(SolrTarget target, CloudSolrClient client, SolrCalls.Retry retry) {
    return SolrCalls.call(target, "listing collections", retry, () -> CollectionAdminRequest.listCollections(client));
  }

  private static void requireExists(SolrTarget target, CloudSolrClient client, SolrCalls.Retry retry) {
    List<String> all = collections(target, client, retry);
    if (!all.contains(target.collection())) {
      throw new CollectionNotFoundException("collection '" + target.collection() + "' does not exist at " + target.cluster()
          + " (collections: " + (all.isEmpty() ? "none" : String.join(", ", all)) + "); create it with `medadapt index`"
          + " or SolrCollection.creator(..)");
    }
  }

  private static SolrCollectionMetadata readMetadata(SolrTarget target, CloudSolrClient client, SolrCalls.Retry retry) {
    SolrDocument d;
    try {
      d = SolrCalls.call(target, "reading " + METADATA_ID, retry, () -> client.getById(target.collection(), METADATA_ID));
    } catch (ConfigurationException e) {
      throw new CollectionMismatchException(target.describe() + " was not created by MedAdapt: its metadata document "
          + METADATA_ID + " cannot be read (" + e.getMessage() + ")", e);
    }
    Object json = d == null ? null : d.getFirstValue(ConfigSet.STATE);
    if (json == null) {
      throw new CollectionMismatchException(target.describe() + " was not created by MedAdapt: it has no metadata document "
          + METADATA_ID + " with field " + ConfigSet.STATE + " (create collections with SolrCollection.creator or `medadapt index`)");
    }
    SolrCollectionMetadata m;
    try {
      m = JSON.readValue(json.toString(), SolrCollectionMetadata.class);
    } catch (JsonProcessingException e) {
      throw new CollectionMismatchException(target.describe() + ": unreadable metadata in " + METADATA_ID + ": " + e.getOriginalMessage(), e);
    }
    if (m.format() < 1 || m.format() > SolrCollectionMetadata.FORMAT) {
      throw new UnsupportedFeatureException(target.describe() + ": MedAdapt collection format " + m.format()
          + " is not supported by this version (supports 1.." + SolrCollectionMetadata.FORMAT + ")");
    }
    if (m.analyzer() == null) {
      throw new CollectionMismatchException(target.describe() + ": metadata in " + METADATA_ID + " lacks \"analyzer\"");
    }
    return m;
  }

  /** Compares the live schema with the one the metadata implies; names the first field or setting that differs. */
  @SuppressWarnings("unchecked")
  private static void checkSchema(SolrTarget target, CloudSolrClient client, SolrCollectionMetadata m, SolrCalls.Retry retry) {
    SchemaRepresentation s =
        SolrCalls.call(target, "reading the schema", retry, () -> new SchemaRequest().process(client, target.collection()))
            .getSchemaRepresentation();
    String where = target.describe() + " has another schema than MedAdapt's: ";
    if (!ConfigSet.ID.equals(s.getUniqueKey())) {
      throw new CollectionMismatchException(where + "uniqueKey is " + s.getUniqueKey() + ", expected " + ConfigSet.ID);
    }
    Map<String, Map<String, Object>> fields = new java.util.HashMap<>();
    for (Map<String, Object> f : s.getFields()) {
      fields.put((String) f.get("name"), f);
    }
    Map<String, Object> types = new java.util.HashMap<>();
    for (org.apache.solr.client.solrj.request.schema.FieldTypeDefinition t : s.getFieldTypes()) {
      types.put((String) t.getAttributes().get("name"), t);
    }
    List<String> required = new ArrayList<>(List.of(ConfigSet.ID, ConfigSet.TITLE, ConfigSet.CONTENT, ConfigSet.CONTENTS, ConfigSet.STATE));
    if (m.dense()) {
      required.add(ConfigSet.VECTOR);
    }
    for (String f : required) {
      if (!fields.containsKey(f)) {
        throw new CollectionMismatchException(where + "field '" + f + "' is missing");
      }
    }
    for (String f : List.of(ConfigSet.TITLE, ConfigSet.CONTENTS)) {
      Object type = fields.get(f).get("type");
      if (!ConfigSet.TEXT_TYPE.equals(type)) {
        throw new CollectionMismatchException(where + "field '" + f + "' has type " + type + ", expected " + ConfigSet.TEXT_TYPE);
      }
    }
    var text = (org.apache.solr.client.solrj.request.schema.FieldTypeDefinition) types.get(ConfigSet.TEXT_TYPE);
    List<String> chain = new ArrayList<>();
    var analyzer = text.getAnalyzer();
    if (analyzer == null || analyzer.getTokenizer() == null) {
      throw new CollectionMismatchException(where + "field type " + ConfigSet.TEXT_TYPE + " has no single index-and-query analyzer");
    }
    chain.add(String.valueOf(analyzer.getTokenizer().get("class")));
    if (analyzer.getFilters() != null) {
      for (Map<String, Object> f : analyzer.getFilters()) {
        chain.add(String.valueOf(f.get("class")));
      }
    }
    if (!chain.equals(ConfigSet.analysisChain(m.analyzer()))) {
      throw new CollectionMismatchException(where + "field type " + ConfigSet.TEXT_TYPE + " analyzes with " + chain
          + ", expected " + ConfigSet.analysisChain(m.analyzer()) + " (" + m.analyzer() + ")");
    }
    Map<String, Object> sim = s.getSimilarity();
    String simClass = sim == null ? null : String.valueOf(sim.get("class"));
    if (simClass == null || !simClass.endsWith("BM25SimilarityFactory")
        || !sameFloat(sim.get("k1"), m.k1()) || !sameFloat(sim.get("b"), m.b())) {
      throw new CollectionMismatchException(where + "similarity is " + sim + ", expected BM25SimilarityFactory with k1="
          + m.k1() + ", b=" + m.b());
    }
    if (m.dense()) {
      Object vtype = fields.get(ConfigSet.VECTOR).get("type");
      var vt = (org.apache.solr.client.solrj.request.schema.FieldTypeDefinition) types.get(String.valueOf(vtype));
      Map<String, Object> a = vt == null ? Map.of() : vt.getAttributes();
      String dim = String.valueOf(a.get("vectorDimension"));
      String fn = String.valueOf(a.get("similarityFunction"));
      if (!dim.equals(Integer.toString(m.embedder().dimension())) || !fn.equalsIgnoreCase(m.vectorSimilarity())) {
        throw new CollectionMismatchException(where + "field '" + ConfigSet.VECTOR + "' has dimension " + dim + " and similarity "
            + fn + ", expected dimension " + m.embedder().dimension() + " and " + m.vectorSimilarity().toLowerCase(Locale.ROOT)
            + " for embedder " + m.describeEmbedder());
      }
    }
  }

  private static boolean sameFloat(Object v, double expected) {
    try {
      return v != null && Float.parseFloat(v.toString()) == (float) expected;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("close", e);
    }
  }

  // ---------------------------------------------------------------- creating

  /** Creates a collection; {@code embedder} (or {@link #bm25Only()}) is required. */
  public static final class Creator {
    private final SolrTarget target;
    private EmbedderInfo embedder;
    private boolean bm25Only;
    private AnalyzerSettings analyzer = AnalyzerSettings.english();
    // Anserini's BM25 defaults, as the local Bm25Retriever
    private double k1 = 0.9;
    private double b = 0.4;
    private int shards = 1;
    private int replicas = 1;
    private int hnswMaxConn = Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN;
    private int hnswBeamWidth = Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH;

    private Creator(SolrTarget target) {
      this.target = Ensure.notNull(target, "target");
    }

    /** The passage embedder's identity: the vector field gets its dimension, and writers and retrievers must match it. */
    public Creator embedder(EmbedderInfo embedder) {
      this.embedder = embedder;
      return this;
    }

    /** No vector field. */
    public Creator bm25Only() {
      this.bm25Only = true;
      return this;
    }

    /** BM25 analysis (default {@link AnalyzerSettings#english()}). */
    public Creator analyzer(AnalyzerSettings analyzer) {
      this.analyzer = analyzer;
      return this;
    }

    /** BM25 k1 in [0, 10] (default 0.9). In Solr it is part of the schema, so it is fixed here. */
    public Creator k1(double k1) {
      this.k1 = k1;
      return this;
    }

    /** BM25 b in [0, 1] (default 0.4). */
    public Creator b(double b) {
      this.b = b;
      return this;
    }

    /** Shards in [1, 1024] (default 1). */
    public Creator shards(int shards) {
      this.shards = shards;
      return this;
    }

    /** Replicas of each shard in [1, 64] (default 1). */
    public Creator replicas(int replicas) {
      this.replicas = replicas;
      return this;
    }

    /** HNSW graph degree in [2, 512] (default 16, Lucene's). */
    public Creator hnswMaxConn(int hnswMaxConn) {
      this.hnswMaxConn = hnswMaxConn;
      return this;
    }

    /** HNSW construction beam width in [1, 3200] (default 100, Lucene's). */
    public Creator hnswBeamWidth(int hnswBeamWidth) {
      this.hnswBeamWidth = hnswBeamWidth;
      return this;
    }

    /** Uploads the configset, creates the collection, stores the metadata and opens it. */
    public SolrCollection create() {
      Ensure.notNull(analyzer, "analyzer");
      if (!bm25Only && embedder == null) {
        throw new ConfigurationException("embedder must be set (or choose bm25Only()) for " + target.describe());
      }
      Ensure.between(k1, 0.0, 10.0, "k1");
      Ensure.between(b, 0.0, 1.0, "b");
      Ensure.between(shards, 1, 1024, "shards");
      Ensure.between(replicas, 1, 64, "replicas");
      Ensure.between(hnswMaxConn, 2, Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN, "hnswMaxConn");
      Ensure.between(hnswBeamWidth, 1, Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH, "hnswBeamWidth");
      EmbedderInfo e = bm25Only ? null : embedder;
      if (e != null) {
        Ensure.between(e.dimension(), 1, 4096, "embedder dimension"); // Lucene 9 KNN field limit
      }
      String similarity = e == null ? null : e.normalized() ? "DOT_PRODUCT" : "COSINE";
      SolrCollectionMetadata m = new SolrCollectionMetadata(SolrCollectionMetadata.FORMAT, e, similarity, analyzer, k1, b,
          hnswMaxConn, hnswBeamWidth, Version.LATEST.toString());
      CloudSolrClient client = connect(target);
      SolrCalls.Retry retry = SolrCalls.Retry.DEFAULT;
      try {
        String name = target.collection();
        if (collections(target, client, retry).contains(name)) {
          throw new ConfigurationException(target.describe() + " already exists; open it with SolrCollection.open, "
              + "or delete it first to create it again");
        }
        String configName = "medadapt-" + name;
        byte[] zip = ConfigSet.zip(name, m);
        ContentStreamBase.ByteArrayStream stream = new ContentStreamBase.ByteArrayStream(zip, configName + ".zip", "application/zip");
        SolrCalls.call(target, "uploading configset " + configName, retry,
            () -> new ConfigSetAdminRequest.Upload().setConfigSetName(configName).setOverwrite(true).setUploadStream(stream)
                .process(client));
        CollectionAdminRequest.Create create = CollectionAdminRequest.createCollection(name, configName, shards, replicas);
        create.setWaitForFinalState(true);
        try {
          create.process(client);
        } catch (SolrException | org.apache.solr.client.solrj.SolrServerException | IOException ex) {
          throw new SolrUnavailableException(target.describe() + ": creating the collection with " + shards + " shards x "
              + replicas + " replicas failed: " + ex.getMessage(), ex);
        }
        SolrCollection c = new SolrCollection(target, client, m, retry);
        c.writeState(METADATA_ID, JSON.writeValueAsString(m));
        c.commit();
        LOG.info("created {} ({} shards x {} replicas, embedder {})", target.describe(), shards, replicas, m.describeEmbedder());
        return c;
      } catch (JsonProcessingException ex) {
        closeQuietly(client);
        throw new ConfigurationException(target.describe() + ": cannot write metadata: " + ex.getOriginalMessage(), ex);
      } catch (RuntimeException ex) {
        closeQuietly(client);
        throw ex;
      }
    }
  }
}
