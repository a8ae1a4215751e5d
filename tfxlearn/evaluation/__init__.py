"""Evaluation protocols for learned representations (docs/architecture.md section 9).

Frozen-feature linear probe and weighted kNN, fine-tuning and low-shot
fine-tuning, plus the two baselines every report carries: a randomly
initialised copy of the encoder's architecture and the same architecture
trained with all labels.

    data = EvalData("fashion_mnist")
    encoders = {
        "rotation": model.encoder,
        "random": random_encoder(model.encoder),
        "supervised": supervised_encoder(model.encoder, data, epochs=5),
    }
    results = compare(encoders, data, {"linear_probe": {}, "knn": {"k": 20}})
    print(format_table(results))
"""

from tfxlearn.evaluation.anomaly_detection import (
    anomaly_auc,
    held_out_class_anomaly_auc,
    held_out_class_split,
    reconstruction_errors,
)
from tfxlearn.evaluation.baselines import random_encoder, supervised_encoder
from tfxlearn.evaluation.cluster_scores import (
    best_cluster_to_class,
    best_matching_accuracy,
    cluster_purity,
    normalized_mutual_information,
)
from tfxlearn.evaluation.clustering import (
    cluster_codes,
    cluster_encoder,
    fit_clusters,
    pca_codes,
)
from tfxlearn.evaluation.comparison import PROTOCOLS, compare, format_table, protocol
from tfxlearn.evaluation.eval_data import EvalData
from tfxlearn.evaluation.fairness import (
    balanced_accuracy,
    demographic_parity_gap,
    equal_opportunity_gap,
    true_positive_rates,
)
from tfxlearn.evaluation.features import extract_features, feature_cache
from tfxlearn.evaluation.finetuning import (
    balanced_subset,
    fine_tune,
    low_shot,
)
from tfxlearn.evaluation.frechet import (
    class_entropy,
    frechet_distance,
    frechet_distance_from_statistics,
    gaussian_statistics,
)
from tfxlearn.evaluation.generative import real_floor, sample_quality
from tfxlearn.evaluation.kneser_ney import KneserNey
from tfxlearn.evaluation.layerwise import (
    GridAveragePooling,
    default_probe_layers,
    layer_encoder,
    layerwise_probe,
)
from tfxlearn.evaluation.linear import (
    DEFAULT_L2_GRID,
    fit_logistic_regression,
    linear_probe,
    standardize,
)
from tfxlearn.evaluation.model_protocols import (
    MODEL_PROTOCOLS,
    format_model_results,
    model_protocol,
)
from tfxlearn.evaluation.nearest_neighbors import knn, knn_predict
from tfxlearn.evaluation.perplexity import (
    compare_perplexity,
    model_token_log_probs,
    perplexity,
    python_token_sequences,
)
from tfxlearn.evaluation.retrieval import chance_metrics, ndcg, recall_at_k, retrieval_metrics
from tfxlearn.evaluation.sample_quality_classifier import (
    SampleQualityClassifier,
    load_or_train_sample_quality_classifier,
    recalibrate_batch_norm,
    train_sample_quality_classifier,
)
from tfxlearn.evaluation.verification import (
    equal_error_rate,
    one_shot_accuracy,
    roc_auc,
    verification,
    verification_metrics,
    verification_pairs,
)

__all__ = [
    "balanced_accuracy",
    "demographic_parity_gap",
    "equal_opportunity_gap",
    "true_positive_rates",
    "EvalData",
    "extract_features",
    "feature_cache",
    "linear_probe",
    "layerwise_probe",
    "layer_encoder",
    "default_probe_layers",
    "GridAveragePooling",
    "fit_logistic_regression",
    "standardize",
    "DEFAULT_L2_GRID",
    "knn",
    "knn_predict",
    "fine_tune",
    "low_shot",
    "balanced_subset",
    "supervised_encoder",
    "random_encoder",
    "PROTOCOLS",
    "protocol",
    "compare",
    "format_table",
    "MODEL_PROTOCOLS",
    "model_protocol",
    "format_model_results",
    "frechet_distance",
    "frechet_distance_from_statistics",
    "gaussian_statistics",
    "class_entropy",
    "SampleQualityClassifier",
    "train_sample_quality_classifier",
    "load_or_train_sample_quality_classifier",
    "sample_quality",
    "real_floor",
    "recalibrate_batch_norm",
    "cluster_purity",
    "normalized_mutual_information",
    "best_matching_accuracy",
    "best_cluster_to_class",
    "fit_clusters",
    "cluster_codes",
    "cluster_encoder",
    "pca_codes",
    "anomaly_auc",
    "held_out_class_split",
    "reconstruction_errors",
    "held_out_class_anomaly_auc",
    "ndcg",
    "recall_at_k",
    "retrieval_metrics",
    "chance_metrics",
    "verification",
    "verification_metrics",
    "verification_pairs",
    "roc_auc",
    "equal_error_rate",
    "one_shot_accuracy",
    "KneserNey",
    "compare_perplexity",
    "model_token_log_probs",
    "perplexity",
    "python_token_sequences",
]
