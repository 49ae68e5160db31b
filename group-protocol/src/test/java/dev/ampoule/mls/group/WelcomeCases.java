package dev.ampoule.mls.group;

import java.util.List;

final class WelcomeCases {
    private WelcomeCases() {}

    static List<MatrixCase> cases() {
        return List.of();
    }
}
