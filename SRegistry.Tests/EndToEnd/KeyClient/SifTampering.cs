using SRegistry.Core.Sif;

namespace SRegistry.Tests.EndToEnd.KeyClient;

/// <summary>Changes a signed SIF the way an attacker would: one byte of a partition, or two descriptors' data swapped.</summary>
public static class SifTampering
{
    public static void FlipPartitionByte(string path)
    {
        var partition = Layout(path).Descriptors.Single(d => d.DataType == SifNames.Partition);
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        var one = new byte[1];
        var at = partition.Offset + (partition.Size / 2);
        RandomAccess.Read(file, one, at);
        one[0] ^= 0x01;
        RandomAccess.Write(file, one, at);
    }

    /// <summary>Swaps the offset and size fields of the definition file's and the labels' descriptors.</summary>
    public static void SwapDefinitionAndLabels(string path)
    {
        var layout = Layout(path);
        var tableOffset = BitConverter.ToInt64(layout.Header, 96);
        var index = layout.Descriptors.ToList();
        var first = index.FindIndex(d => d.DataType == SifNames.DefinitionFile);
        var second = index.FindIndex(d => d.DataType == SifNames.Labels);
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        // Used descriptors come first in the table, in ID order, as siftool writes them.
        var a = new byte[24];
        var b = new byte[24];
        RandomAccess.Read(file, a, tableOffset + (first * SifLayout.DescriptorSize) + 17);
        RandomAccess.Read(file, b, tableOffset + (second * SifLayout.DescriptorSize) + 17);
        RandomAccess.Write(file, b, tableOffset + (first * SifLayout.DescriptorSize) + 17);
        RandomAccess.Write(file, a, tableOffset + (second * SifLayout.DescriptorSize) + 17);
    }

    private static SifLayout Layout(string path)
    {
        using var file = File.OpenHandle(path);
        return SifLayout.Read(SifSource.FromFile(file)).Layout!;
    }
}
