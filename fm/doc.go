// Package fm is Flow Matching (Lipman et al., ICLR 2023) on the CPU: it trains a velocity field
// u(t, x) by regressing, at random t, the velocity of a conditional probability path from
// N(0, I) at t = 0 to the data at t = 1, and samples the data by solving dx/dt = u(t, x) from
// t = 0 to 1.
//
// The pieces:
//
//   - Datasets (Dataset): the built-in 2D sets (Builtin), tables of numbers read from CSV files
//     (ReadCSV, ReadCSVWith), and MNIST-format images (LoadMNIST).
//   - Paths (Path): the conditional OT path, the paper's VP diffusion path and the other affine
//     schedules of facebookresearch/flow_matching.
//   - Networks (Network): an MLP for vectors (MLPNetwork), a UNet for images; the trainer and
//     the sampler reach them through this one interface.
//   - Training (TrainConfig, NewTrainer, Trainer.TrainStep): Adam on the mean squared error,
//     checkpoints that resume bit for bit (Trainer.SaveCheckpoint, ResumeTrainer). A step
//     allocates nothing.
//   - Models (Model, LoadModel, Model.Save): a network with its path and the data's
//     statistics, in a safetensors file that PyTorch reads; a PyTorch state dict loads too.
//   - Sampling (Model.Sample with SampleOptions): the ODE solvers of package ode from noise
//     drawn from a seed, or from given initial points.
//
// Points are flat []float32 slices, n points of d values each, row-major: point i is
// x[i*d : (i+1)*d]. A model's samples come back in the data's own units (a CSV file's, or
// pixels/255 for images); the network itself works on standardised values. Results are the
// same bits for a given seed, kernel set and build, whatever the number of threads.
package fm
