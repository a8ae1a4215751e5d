"""Unsupervised paradigms: autoencoders, VAE, GANs."""

from tfxlearn.paradigms.unsupervised.autoencoder import Autoencoder
from tfxlearn.paradigms.unsupervised.conditional_gan import ConditionalGAN
from tfxlearn.paradigms.unsupervised.denoising_autoencoder import DenoisingAutoencoder
from tfxlearn.paradigms.unsupervised.gan import GAN
from tfxlearn.paradigms.unsupervised.infogan import InfoGAN
from tfxlearn.paradigms.unsupervised.sparse_autoencoder import SparseAutoencoder
from tfxlearn.paradigms.unsupervised.vae import VAE

__all__ = [
    "Autoencoder",
    "DenoisingAutoencoder",
    "SparseAutoencoder",
    "VAE",
    "GAN",
    "InfoGAN",
    "ConditionalGAN",
]
