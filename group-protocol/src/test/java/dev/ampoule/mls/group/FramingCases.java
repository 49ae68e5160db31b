package dev.ampoule.mls.group;

import java.util.List;

final class FramingCases {
    private FramingCases() {}

    static List<MatrixCase> cases() {
        return List.of();
    }
}
