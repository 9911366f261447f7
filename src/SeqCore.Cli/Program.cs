using SeqCore.Diagnostics;

var info = SystemInfo.Read();
Console.WriteLine($"seqcore {info.Version} on {info.CpuModel}, {info.LogicalCores} cores, SIMD {info.SimdWidthBits} bits, FMA {info.Fma}");
return 0;
