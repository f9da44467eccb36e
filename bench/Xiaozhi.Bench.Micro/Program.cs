using BenchmarkDotNet.Running;

// ./build.sh bench micro [BenchmarkDotNet arguments, e.g. --filter '*Framing*']; every benchmark by default.
var arguments = args.Length == 0 ? ["--filter", "*"] : args;
BenchmarkSwitcher.FromAssembly(typeof(Xiaozhi.Bench.Micro.MicroConfig).Assembly).Run(arguments);
return 0;
