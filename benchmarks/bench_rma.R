# Times R metafor's rma() on data written by bench_meta.py, for the speed ratios in
# benchmarks/README.md. Called by bench_meta.py; can be run by hand:
#
#   Rscript benchmarks/bench_rma.R single DATA.csv N_CALLS N_REPS
#       DATA.csv has columns yi, vi (one analysis). Runs rma(yi, vi, method = "REML")
#       N_CALLS times in an R loop, N_REPS times over, after an untimed warm-up, and prints
#       one line "per_call_s <seconds>" per repetition (elapsed time of the loop / N_CALLS).
#
#   Rscript benchmarks/bench_rma.R batch DATA.csv OUT.csv N_REPS
#       DATA.csv has one analysis per row: columns y1..yK, then v1..vK (NA = absent study).
#       Loops rma(yi, vi, method = "REML") over the rows, N_REPS times over, and prints one
#       line "loop_s <seconds>" per repetition; writes each analysis's estimate, se, tau2 and
#       whether rma() stopped with an error (non-convergence) to OUT.csv.
#
# metafor is used with its default settings (control = list()), as a user would call it.

args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(metafor))
cat("r_version", paste(R.version$major, R.version$minor, sep = "."), "\n")
cat("metafor_version", as.character(packageVersion("metafor")), "\n")

elapsed <- function() proc.time()[["elapsed"]]

mode <- args[1]
if (mode == "single") {
  d <- read.csv(args[2])
  yi <- d$yi
  vi <- d$vi
  n_calls <- as.integer(args[3])
  n_reps <- as.integer(args[4])
  fit <- rma(yi, vi, method = "REML")
  cat("estimate", sprintf("%.17g", fit$beta[1]), "\n")
  cat("tau2", sprintf("%.17g", fit$tau2), "\n")
  for (i in seq_len(max(1L, n_calls %/% 10L))) rma(yi, vi, method = "REML")  # warm-up
  for (r in seq_len(n_reps)) {
    invisible(gc())
    t0 <- elapsed()
    for (i in seq_len(n_calls)) rma(yi, vi, method = "REML")
    t1 <- elapsed()
    cat("per_call_s", sprintf("%.9g", (t1 - t0) / n_calls), "\n")
  }
} else if (mode == "batch") {
  d <- as.matrix(read.csv(args[2]))
  out_file <- args[3]
  n_reps <- as.integer(args[4])
  kmax <- ncol(d) %/% 2L
  Y <- d[, seq_len(kmax), drop = FALSE]
  V <- d[, kmax + seq_len(kmax), drop = FALSE]
  n <- nrow(Y)
  estimate <- se <- tau2 <- rep(NA_real_, n)
  failed <- rep(FALSE, n)
  for (r in seq_len(n_reps)) {
    invisible(gc())
    t0 <- elapsed()
    for (i in seq_len(n)) {
      present <- !is.na(Y[i, ])
      fit <- tryCatch(
        rma(Y[i, present], V[i, present], method = "REML"),
        error = function(e) NULL
      )
      if (is.null(fit)) {
        failed[i] <- TRUE
      } else {
        estimate[i] <- fit$beta[1]
        se[i] <- fit$se
        tau2[i] <- fit$tau2
      }
    }
    t1 <- elapsed()
    cat("loop_s", sprintf("%.9g", t1 - t0), "\n")
  }
  cat("failed", sum(failed), "\n")
  write.csv(
    data.frame(estimate = estimate, se = se, tau2 = tau2, failed = failed),
    out_file,
    row.names = FALSE
  )
} else {
  stop("usage: Rscript bench_rma.R single DATA.csv N_CALLS N_REPS | batch DATA.csv OUT.csv N_REPS")
}
