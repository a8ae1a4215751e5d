"""Domain adaptation: a classifier trained on a labelled source domain carried to an
unlabelled target domain (`tfxlearn.data.domains`: (source, target) batches); and
its adversarial tool turned on an attribute: representations blind to it; and
SimGAN, which refines the labelled synthetic source to look like the target."""

from tfxlearn.paradigms.adaptation.adda import ADDA
from tfxlearn.paradigms.adaptation.blind_representation import BlindRepresentation
from tfxlearn.paradigms.adaptation.cycada import CyCADA
from tfxlearn.paradigms.adaptation.dann import DANN
from tfxlearn.paradigms.adaptation.simgan import SimGAN

__all__ = ["ADDA", "BlindRepresentation", "CyCADA", "DANN", "SimGAN"]
