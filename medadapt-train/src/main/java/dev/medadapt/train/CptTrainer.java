package dev.medadapt.train;

import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.model.Qwen2Config;
import dev.medadapt.core.model.qwen2.Qwen2Model;
import dev.medadapt.core.tokenizer.HfTokenizer;
import dev.medadapt.train.data.CorpusReader;
import dev.medadapt.train.data.CptEncoder;
import dev.medadapt.train.data.TokenizedDataset;
import dev.medadapt.train.internal.BaseModels;
import dev.medadapt.train.internal.EosToken;
import dev.medadapt.train.internal.Provenance;
import dev.medadapt.train.lora.LoraConfig;
import dev.medadapt.train.lora.LoraModel;
import dev.medadapt.train.optim.Warmup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continual pretraining with LoRA on MedRAG-format corpus text, defaults = the reference study's CPT recipe: LoRA
 * r 8, alpha 16, dropout 0 on the 7 projections plus embed_tokens and lm_head; lr 1e-5 with 5e-6 for the embedding
 * adapters; warmup ratio 0.05; batch 2 × 8; documents joined with EOS into blocks of {@code blockLength} tokens.
 *
 * <pre>{@code
 * TrainingResult r = CptTrainer.builder().model(base).corpus(Path.of("medquad_medrag.jsonl"))
 *     .outputDir(Path.of("runs/cpt")).build().run();
 * }</pre>
 */
public final class CptTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(CptTrainer.class);
  private final Builder b;

  private CptTrainer(Builder b) {
    this.b = b;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The reference study's CPT LoRA settings. */
  public static LoraConfig referenceLora() {
    List<String> t = new ArrayList<>(LoraConfig.ALL_PROJECTIONS);
    t.add("embed_tokens");
    t.add("lm_head");
    return LoraConfig.builder().rank(8).alpha(16).dropout(0).targetModules(t).build();
  }

  /** The reference study's CPT optimization settings (schedule: transformers' default, linear). */
  public static TrainingConfig referenceTraining() {
    return TrainingConfig.builder().seed(4242).learningRate(1e-5).embeddingLearningRate(5e-6)
        .warmup(Warmup.ratio(0.05)).microBatchSize(2).gradientAccumulation(8).checkpointEvery(100).build();
  }

  /** Reads, packs, splits, trains; resumes from {@code outputDir/checkpoints} when a checkpoint is there. */
  public TrainingResult run() {
    List<String> docs = new ArrayList<>(b.documents);
    Map<String, String> prov = new LinkedHashMap<>();
    int i = 0;
    for (Path f : b.corpus) {
      docs.addAll(CorpusReader.medRag(f));
      prov.put("data_file_" + i, f.toAbsolutePath().toString());
      prov.put("data_sha256_" + i, Provenance.fileHash(f));
      i++;
    }
    if (docs.isEmpty()) {
      throw new ConfigurationException("no CPT documents: give corpus files or documents");
    }
    // Encoded before the base is loaded, with the tokenizer closed before training (see SftTrainer.run).
    TokenizedDataset all;
    try (HfTokenizer tok = HfTokenizer.load(b.model)) {
      int eos = EosToken.resolve(b.model, tok, Qwen2Config.load(b.model));
      all = CptEncoder.of(tok, eos, b.blockLength).encode(docs);
    }
    if (all.size() == 0) {
      throw new ConfigurationException("the corpus has " + all.stats().droppedTokens()
          + " tokens, fewer than one block of blockLength " + b.blockLength);
    }
    try (Qwen2Model model = BaseModels.load(b.model, b.device, b.precision, b.quantization)) {
      TokenizedDataset[] split = Splits.trainEval(all, b.evalFraction, b.training.seed(), false, b.blockLength);
      LOG.info("CPT data: {} documents -> {} blocks of {} tokens ({} tail tokens dropped); {} train / {} eval",
          docs.size(), all.size(), b.blockLength, all.stats().droppedTokens(), split[0].size(), split[1].size());
      prov.put("recipe", "cpt");
      prov.put("block_length", Integer.toString(b.blockLength));
      prov.put("eval_fraction", Double.toString(b.evalFraction));
      prov.put("quantization", b.quantization.name());
      prov.put("precision", b.precision.name());
      prov.put("device", b.device.toString());
      LoraModel lora = LoraModel.attach(model, b.lora, b.training.seed());
      return new LoraTrainer(lora, b.training, b.outputDir, "train cpt", b.progress, prov).train(split[0], split[1]);
    }
  }

  /** Builder: {@code model}, {@code outputDir} and a corpus (files or documents) are required. */
  public static final class Builder extends LoraRunBuilder<Builder> {
    private final List<Path> corpus = new ArrayList<>();
    private final List<String> documents = new ArrayList<>();
    private int blockLength = 1024;
    private double evalFraction;

    private Builder() {
      super(referenceLora(), referenceTraining());
    }

    /** MedRAG JSONL files ({@code contents} or {@code content} per record). */
    public Builder corpus(Path... files) {
      corpus.addAll(List.of(files));
      return this;
    }

    public Builder corpus(List<Path> files) {
      corpus.addAll(files);
      return this;
    }

    public Builder documents(List<String> v) {
      documents.addAll(v);
      return this;
    }

    public Builder blockLength(int v) {
      blockLength = v;
      return this;
    }

    public Builder evalFraction(double v) {
      evalFraction = v;
      return this;
    }

    public CptTrainer build() {
      validateCommon();
      Ensure.between(blockLength, 2, 1 << 20, "blockLength");
      Ensure.between(evalFraction, 0.0, 0.5, "evalFraction");
      if (corpus.isEmpty() && documents.isEmpty()) {
        throw new ConfigurationException("corpus must name at least one file (or documents must be given)");
      }
      return new CptTrainer(this);
    }
  }
}
