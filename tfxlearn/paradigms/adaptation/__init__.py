"""Domain adaptation: a classifier trained on a labelled source domain carried to an
unlabelled target domain (`tfxlearn.data.domains`: (source, target) batches)."""

from tfxlearn.paradigms.adaptation.adda import ADDA
from tfxlearn.paradigms.adaptation.dann import DANN

__all__ = ["ADDA", "DANN"]
