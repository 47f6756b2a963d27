package dev.medadapt.train.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.medadapt.core.ConfigurationException;
import dev.medadapt.core.Ensure;
import dev.medadapt.core.StorageException;
import dev.medadapt.core.io.AtomicFiles;
import dev.medadapt.core.safetensors.DType;
import dev.medadapt.train.CptTrainer;
import dev.medadapt.train.SftTrainer;
import dev.medadapt.train.TrainingResult;
import dev.medadapt.train.peft.AdapterMerger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference study's MSFT adaptation as one resumable job: continual pretraining (CPT) of the base model, merging
 * the CPT adapter into it, then supervised fine-tuning (SFT) of the merged model.
 *
 * <pre>{@code
 * AdaptationPipeline.Result r = AdaptationPipeline.builder()
 *     .model(Path.of("models/DeepSeek-R1-Distill-Qwen-1.5B"))
 *     .outputDir(Path.of("runs/msft"))
 *     .cpt(CptTrainer.builder().corpus(Path.of("textbooks.jsonl")))
 *     .sft(SftTrainer.builder().data(Path.of("medical_o1_sft.json")))
 *     .build().run();
 * }</pre>
 *
 * <p>The stage builders are configured by the caller (recipe, data, LoRA, precision, progress); the pipeline sets
 * their {@code model} and {@code outputDir}. Layout of {@code outputDir} (each folder can be moved with the builder):
 * {@code cpt/} (CPT run), {@code cpt-merged/} (base + CPT adapter, a full checkpoint), {@code sft/} (SFT run on the
 * merged model) and {@code pipeline.json} (what fed what, steps and losses).
 *
 * <p>Rerunning resumes: each trainer continues from its newest checkpoint (a finished run trains no further steps),
 * and a merged model whose {@code config.json} exists is not merged again. The merge writes to
 * {@code cpt-merged.partial/} and renames it when complete, so an interrupted merge never looks finished.
 */
public final class AdaptationPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(AdaptationPipeline.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** Name of the summary file written into {@code outputDir}. */
  public static final String SUMMARY_FILE = "pipeline.json";

  private final Builder b;

  private AdaptationPipeline(Builder b) {
    this.b = b;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * What the pipeline produced.
   *
   * @param cpt the CPT run (on the base model)
   * @param mergedCptModel the base model with the CPT adapter merged in
   * @param sft the SFT run (on {@code mergedCptModel}); its adapter applies to the merged model
   * @param summary the {@code pipeline.json} file
   */
  public record Result(TrainingResult cpt, Path mergedCptModel, TrainingResult sft, Path summary) {}

  /** Runs (or resumes) CPT, the merge and SFT, and writes the summary. */
  public Result run() {
    Path out = b.outputDir;
    Path cptDir = b.cptDir != null ? b.cptDir : out.resolve("cpt");
    Path merged = b.mergedDir != null ? b.mergedDir : out.resolve("cpt-merged");
    Path sftDir = b.sftDir != null ? b.sftDir : out.resolve("sft");
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new StorageException("cannot create", out, e);
    }

    LOG.info("pipeline: CPT of {} in {}", b.model, cptDir);
    TrainingResult cpt = b.cpt.model(b.model).outputDir(cptDir).build().run();
    LOG.info("pipeline: CPT {} steps (resumed from {}), final loss {}", cpt.steps(), cpt.resumedFromStep(),
        cpt.finalLoss());

    if (Files.isRegularFile(merged.resolve("config.json"))) {
      LOG.info("pipeline: CPT model already merged at {}", merged);
    } else {
      AdapterMerger.merge(b.model, cpt.adapterDir(), merged, b.mergeDtype);
      LOG.info("pipeline: merged the CPT adapter into {}", merged);
    }

    LOG.info("pipeline: SFT of {} in {}", merged, sftDir);
    TrainingResult sft = b.sft.model(merged).outputDir(sftDir).build().run();
    LOG.info("pipeline: SFT {} steps (resumed from {}), final loss {}", sft.steps(), sft.resumedFromStep(),
        sft.finalLoss());

    Path summary = out.resolve(SUMMARY_FILE);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pipeline", "cpt -> merge -> sft");
    m.put("base_model", b.model.toAbsolutePath().toString());
    m.put("cpt", stage(cpt, b.model));
    m.put("cpt_merged_model", merged.toAbsolutePath().toString());
    m.put("merge_dtype", b.mergeDtype == null ? "base" : b.mergeDtype.name());
    m.put("sft", stage(sft, merged));
    AtomicFiles.writeJson(summary, JSON, m);
    return new Result(cpt, merged, sft, summary);
  }

  private static Map<String, Object> stage(TrainingResult r, Path model) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", model.toAbsolutePath().toString());
    m.put("run_dir", r.outputDir().toAbsolutePath().toString());
    m.put("adapter", r.adapterDir().toAbsolutePath().toString());
    m.put("steps", r.steps());
    m.put("resumed_from_step", r.resumedFromStep());
    m.put("trainable_parameters", r.trainableParameters());
    m.put("final_loss", finiteOrNull(r.finalLoss()));
    m.put("final_eval_loss", finiteOrNull(r.finalEvalLoss()));
    return m;
  }

  private static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /** Builder: {@code model}, {@code outputDir}, {@code cpt} and {@code sft} are required. */
  public static final class Builder {
    private Path model;
    private Path outputDir;
    private CptTrainer.Builder cpt;
    private SftTrainer.Builder sft;
    private Path cptDir;
    private Path mergedDir;
    private Path sftDir;
    private DType mergeDtype;

    private Builder() {}

    /** The base model folder (16/32-bit Hugging Face Qwen2 checkpoint: the merge needs unquantized weights). */
    public Builder model(Path v) {
      model = v;
      return this;
    }

    /** The pipeline folder (stage folders and {@code pipeline.json}). */
    public Builder outputDir(Path v) {
      outputDir = v;
      return this;
    }

    /** The CPT stage, configured except for {@code model} and {@code outputDir}, which the pipeline sets. */
    public Builder cpt(CptTrainer.Builder v) {
      cpt = v;
      return this;
    }

    /** The SFT stage, configured except for {@code model} and {@code outputDir}, which the pipeline sets. */
    public Builder sft(SftTrainer.Builder v) {
      sft = v;
      return this;
    }

    /** The CPT run folder; default {@code outputDir/cpt}. */
    public Builder cptDir(Path v) {
      cptDir = v;
      return this;
    }

    /** The merged CPT model folder; default {@code outputDir/cpt-merged}. */
    public Builder mergedDir(Path v) {
      mergedDir = v;
      return this;
    }

    /** The SFT run folder; default {@code outputDir/sft}. */
    public Builder sftDir(Path v) {
      sftDir = v;
      return this;
    }

    /** dtype of the merged model's tensors (F32, F16 or BF16); default null keeps the base's. */
    public Builder mergeDtype(DType v) {
      mergeDtype = v;
      return this;
    }

    public AdaptationPipeline build() {
      Ensure.notNull(model, "model");
      Ensure.notNull(outputDir, "outputDir");
      Ensure.notNull(cpt, "cpt");
      Ensure.notNull(sft, "sft");
      if (!Files.isDirectory(model)) {
        throw new ConfigurationException("model " + model + " is not a folder");
      }
      if (mergeDtype != null && !mergeDtype.isFloating()) {
        throw new ConfigurationException("mergeDtype must be F32, F16 or BF16, was " + mergeDtype);
      }
      return new AdaptationPipeline(this);
    }
  }
}
